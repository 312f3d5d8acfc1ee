"""A consumer-group loop over one topic, a batch at a time, committing after each batch.

The handler writes everything a batch changes before the offsets are committed, so a crash
re-reads the batch (at least once); handlers are idempotent (version guards, unique keys,
ids derived from the input), so the re-read changes nothing. A handler that raises (MongoDB
or Kafka away) has its batch re-read after a growing pause, never skipped.

Used by the intake (reference lookup, partner topic), notify, analytics and the gateway's
read model. Metrics and spans come with the loop (`kit.loop_telemetry`, labelled by `name`).
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
from kit.loop_telemetry import LoopTelemetry

log = structlog.get_logger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
BatchHandler = Callable[[list[Record]], Awaitable[None]]

_RETRY_PAUSE_S = 0.5
_MAX_RETRY_PAUSE_S = 5.0
_POLL_S = 0.05


class GroupConsumer:
    """Follow `topic` in consumer group `group_id`; `name` labels metrics, logs and clients."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: TopicSpec,
        group_id: str,
        handler: BatchHandler,
        service: str,
        *,
        name: str,
        max_records: int = 500,
    ) -> None:
        self._topic = topic
        self._handler = handler
        self._service = service
        self._name = name
        self._max_records = max_records
        self._consumer = AIOKafkaConsumer(
            topic.name,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=f"{service}-{name}",
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        # A group-less consumer that only asks for end offsets (`lag`, `wait_caught_up`).
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id=f"{service}-{name}-offsets",
            isolation_level="read_committed",
        )
        # Next offset to read per partition, updated after each handled batch.
        self._positions: dict[TopicPartition, int] = {}
        # What this instance last committed per partition (to commit only what moved).
        self._committed: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None
        # Records handled and committed since start (ops endpoints show it).
        self.handled = 0
        self._telemetry = LoopTelemetry(service, name)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The consuming loop, once started (for the service to watch)."""
        return self._task

    async def start(self) -> None:
        await self._consumer.start()
        await self._offsets.start()
        self._task = asyncio.create_task(self._follow(), name=f"{self._name}:{self._topic.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._telemetry.clear()
        await self._offsets.stop()
        await self._consumer.stop()

    async def lag(self) -> int | None:
        """Records on the assigned partitions not handled yet; None before an assignment.

        Positions, not record offsets: transaction markers take offsets too.
        """
        assigned = sorted(self._consumer.assignment())
        if not assigned:
            return None
        ends = await self._offsets.end_offsets(assigned)
        return sum(max(0, int(end) - self._positions.get(tp, 0)) for tp, end in ends.items())

    async def wait_caught_up(self, timeout_s: float) -> bool:
        """True once every record on the topic now (committed) has been handled.

        The ends are fixed when asked: records produced later are not waited for, so a busy
        topic cannot keep the caller waiting.
        """
        deadline = time.monotonic() + timeout_s
        while not self._consumer.assignment():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL_S)
        targets = await self._offsets.end_offsets(sorted(self._consumer.assignment()))
        while True:
            behind = [tp for tp, end in targets.items() if self._positions.get(tp, -1) < end]
            if not behind:
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
                self._telemetry.consumed(records)
                try:
                    with self._telemetry.handling(records):
                        await self._handler(records)
                except Exception:
                    failures += 1
                    log.exception("batch failed; re-reading it", topic=self._topic.name)
                    for tp, batch in fetched.items():
                        if batch and tp in self._consumer.assignment():
                            self._consumer.seek(tp, batch[0].offset)
                    # Stuck behind this batch: the projection lag keeps growing meanwhile.
                    await self._telemetry.update(self._consumer)
                    await asyncio.sleep(
                        min(_RETRY_PAUSE_S * 2 ** (failures - 1), _MAX_RETRY_PAUSE_S)
                    )
                    continue
                failures = 0
                self._telemetry.applied(records)
                self.handled += len(records)
            for tp in self._consumer.assignment():
                self._positions[tp] = await self._consumer.position(tp)
            await self._commit_positions()
            await self._telemetry.update(self._consumer)

    async def _commit_positions(self) -> None:
        """Commit each held partition's position, once everything before it is handled.

        Positions, not a record's offset + 1: under read_committed a transaction's marker
        follows its last record, and only the position moves past it (a fetch may bring the
        marker alone), so the group's committed offsets reach the log's end.
        """
        assigned = self._consumer.assignment()
        moved = {
            tp: position
            for tp, position in self._positions.items()
            if tp in assigned and self._committed.get(tp) != position
        }
        if not moved:
            return
        try:
            await self._consumer.commit(moved)
        except (CommitFailedError, KafkaError) as error:
            # Handled but not committed (a rebalance): the batch may come again, which the
            # idempotent handlers absorb.
            log.warning("offsets not committed", topic=self._topic.name, error=repr(error))
            return
        self._committed.update(moved)
