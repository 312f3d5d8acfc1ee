"""Read committed records of some partitions from a start to the end, in batches.

The one way every service replays a log: rebuilding a writer's state, rebuilding a
projection. The end is fixed when the replay starts; records appended later are not read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

RecordBatch = list[ConsumerRecord[Any, Any]]
BatchHandler = Callable[[RecordBatch], Awaitable[None]]


async def replay(
    bootstrap_servers: str,
    topic: str,
    partitions: Iterable[int],
    on_batch: BatchHandler,
    *,
    start_offsets: Mapping[int, int] | None = None,
    batch_size: int = 5000,
    timeout_s: float = 600.0,
) -> dict[int, int]:
    """Feed `on_batch` every committed record up to the current end; returns the end offsets.

    Batches hold records of one partition, in order.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        isolation_level="read_committed",
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return {}
        consumer.assign(tps)
        for tp in tps:
            start = (start_offsets or {}).get(tp.partition)
            if start is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, start)
        # Under read_committed this is the last stable offset: nothing open is waited for.
        ends = await consumer.end_offsets(tps)
        async with asyncio.timeout(timeout_s):
            pending = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
            while pending:
                fetched = await consumer.getmany(*pending, timeout_ms=500, max_records=batch_size)
                for records in fetched.values():
                    await on_batch(records)
                pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        return {tp.partition: ends[tp] for tp in tps}
    finally:
        await consumer.stop()
