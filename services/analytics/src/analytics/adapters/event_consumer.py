"""A consumer-group loop over the ticket event log, a batch at a time.

The handler writes everything a batch changes before the offsets are committed, so a crash
re-reads the batch (at least once); the fold's version guard makes the re-read change
nothing. A handler that raises (MongoDB away) has its batch re-read after a pause, never
skipped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeAlias

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from contracts.topics import TopicSpec
from kit.metrics import HANDLER_ERRORS, MESSAGES_CONSUMED

log = structlog.get_logger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
BatchHandler = Callable[[list[Record]], Awaitable[None]]

_RETRY_PAUSE_S = 0.5
_MAX_RETRY_PAUSE_S = 5.0
_POLL_S = 0.05


class GroupConsumer:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: TopicSpec,
        group_id: str,
        handler: BatchHandler,
        service: str,
        *,
        max_records: int = 1000,
    ) -> None:
        self._topic = topic
        self._handler = handler
        self._service = service
        self._max_records = max_records
        self._consumer = AIOKafkaConsumer(
            topic.name,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=f"{service}-facts",
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id=f"{service}-facts-offsets",
            isolation_level="read_committed",
        )
        self._positions: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def start(self) -> None:
        await self._consumer.start()
        await self._offsets.start()
        self._task = asyncio.create_task(self._follow(), name=f"facts:{self._topic.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._offsets.stop()
        await self._consumer.stop()

    async def lag(self) -> int | None:
        """Records on the assigned partitions not handled yet; None before an assignment."""
        assigned = sorted(self._consumer.assignment())
        if not assigned:
            return None
        ends = await self._offsets.end_offsets(assigned)
        return sum(max(0, int(end) - self._positions.get(tp, 0)) for tp, end in ends.items())

    async def wait_caught_up(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            behind = await self.lag()
            if behind == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL_S)

    async def _follow(self) -> None:
        failures = 0
        while True:
            fetched = await self._consumer.getmany(timeout_ms=500, max_records=self._max_records)
            records = [record for batch in fetched.values() for record in batch]
            if records:
                MESSAGES_CONSUMED.labels(self._service, self._topic.name).inc(len(records))
                try:
                    await self._handler(records)
                except Exception:
                    failures += 1
                    HANDLER_ERRORS.labels(self._service, "facts").inc()
                    log.exception("batch failed; re-reading it", topic=self._topic.name)
                    for tp, batch in fetched.items():
                        if batch and tp in self._consumer.assignment():
                            self._consumer.seek(tp, batch[0].offset)
                    await asyncio.sleep(
                        min(_RETRY_PAUSE_S * 2 ** (failures - 1), _MAX_RETRY_PAUSE_S)
                    )
                    continue
                try:
                    await self._consumer.commit(
                        {tp: batch[-1].offset + 1 for tp, batch in fetched.items() if batch}
                    )
                except (CommitFailedError, KafkaError) as error:
                    # Written but not committed (a rebalance): the batch may come again,
                    # which the version guard absorbs.
                    log.warning("offsets not committed", topic=self._topic.name, error=repr(error))
                failures = 0
            for tp in self._consumer.assignment():
                self._positions[tp] = await self._consumer.position(tp)
