"""Kafka for notify: a consumer-group loop over the ticket event log, committing after each
handled batch, and the roster tail.

The batch handler writes the notification records before the offsets are committed, so a
crash re-reads the batch (at least once) and the records' unique keys absorb the repeat. A
handler that raises (MongoDB away) has its batch re-read after a pause, never skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeAlias

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError, KafkaError

from contracts.topics import TopicSpec
from kit.metrics import HANDLER_ERRORS, MESSAGES_CONSUMED

log = structlog.get_logger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
BatchHandler = Callable[[list[Record]], Awaitable[None]]

_RETRY_PAUSE_S = 0.5
_MAX_RETRY_PAUSE_S = 5.0


class GroupConsumer:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: TopicSpec,
        group_id: str,
        handler: BatchHandler,
        service: str,
        *,
        name: str,
    ) -> None:
        self._topic = topic
        self._handler = handler
        self._service = service
        self._name = name
        self._consumer = AIOKafkaConsumer(
            topic.name,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=f"{service}-{name}",
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._task: asyncio.Task[None] | None = None
        # Records handled and committed since start (the admin API shows it).
        self.handled = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._follow(), name=f"{self._name}:{self._topic.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def lag(self) -> int:
        """Records on the assigned partitions not read yet."""
        assigned = sorted(self._consumer.assignment())
        if not assigned:
            return -1
        ends = await self._consumer.end_offsets(assigned)
        behind = 0
        for tp in assigned:
            behind += max(0, ends[tp] - await self._consumer.position(tp))
        return behind

    async def _follow(self) -> None:
        failures = 0
        while True:
            fetched = await self._consumer.getmany(timeout_ms=500, max_records=500)
            records = [record for batch in fetched.values() for record in batch]
            if not records:
                continue
            MESSAGES_CONSUMED.labels(self._service, self._topic.name).inc(len(records))
            try:
                await self._handler(records)
            except Exception:
                failures += 1
                HANDLER_ERRORS.labels(self._service, self._name).inc()
                log.exception("batch failed; re-reading it", topic=self._topic.name)
                for tp, batch in fetched.items():
                    if batch and tp in self._consumer.assignment():
                        self._consumer.seek(tp, batch[0].offset)
                await asyncio.sleep(min(_RETRY_PAUSE_S * 2 ** (failures - 1), _MAX_RETRY_PAUSE_S))
                continue
            failures = 0
            offsets = {
                tp: batch[-1].offset + 1
                for tp, batch in fetched.items()
                if batch and tp in self._consumer.assignment()
            }
            try:
                await self._consumer.commit(offsets)
            except (CommitFailedError, KafkaError) as error:
                # Handled but not committed (a rebalance): the batch may come again, which
                # the notifications' unique keys absorb.
                log.warning("offsets not committed", topic=self._topic.name, error=repr(error))
            self.handled += len(records)
