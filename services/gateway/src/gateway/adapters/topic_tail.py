"""Follow the end of a topic on every partition, without a consumer group.

Used where each gateway instance must see every record from "now" on: command replies and
the WebSocket fan-out. `start` returns only once the end positions are fixed, so a record
produced after it can never be missed (a lazily resolved `latest` could skip it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from contracts.topics import TopicSpec
from kit.metrics import MESSAGES_CONSUMED

log = structlog.get_logger(__name__)

RecordHandler = Callable[[ConsumerRecord[bytes, bytes]], Awaitable[None]]


class TopicTail:
    def __init__(
        self, bootstrap_servers: str, topic: TopicSpec, handler: RecordHandler, service: str
    ) -> None:
        self._topic = topic
        self._handler = handler
        self._service = service
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            isolation_level="read_committed",
            enable_auto_commit=False,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        partitions = self._consumer.partitions_for_topic(self._topic.name) or set(
            range(self._topic.partitions)
        )
        tps = [TopicPartition(self._topic.name, p) for p in sorted(partitions)]
        self._consumer.assign(tps)
        await self._consumer.seek_to_end(*tps)
        for tp in tps:
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._follow(), name=f"tail:{self._topic.name}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _follow(self) -> None:
        while True:
            fetched = await self._consumer.getmany(timeout_ms=1000)
            for records in fetched.values():
                MESSAGES_CONSUMED.labels(self._service, self._topic.name).inc(len(records))
                for record in records:
                    try:
                        await self._handler(record)
                    except Exception:
                        # One bad record must not stop every client's live feed.
                        log.exception("record handler failed", offset=record.offset)
