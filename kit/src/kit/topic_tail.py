"""Follow a topic on every partition, without a consumer group.

Used where each instance must see every record: from "now" on for command replies (every
`CommandBus`) and the gateway's WebSocket fan-out, from the beginning for the gateway's
listing index (`from_beginning`).
`start` returns only once the start positions are fixed, so a record produced after it can
never be missed (a lazily resolved `latest` could skip it). `caught_up` turns true (and
`wait_caught_up` returns) once the tail has read as far as the topic reached when it started.
Metrics and a span per record come with the loop (`kit.loop_telemetry`), labelled by `name`
(by default the handler's qualified name, e.g. `LiveFeed.on_event`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from contracts.topics import TopicSpec
from kit.loop_telemetry import LoopTelemetry

log = structlog.get_logger(__name__)

RecordHandler = Callable[[ConsumerRecord[bytes, bytes]], Awaitable[None]]


class TopicTail:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: TopicSpec,
        handler: RecordHandler,
        service: str,
        *,
        from_beginning: bool = False,
        name: str | None = None,
    ) -> None:
        self._from_beginning = from_beginning
        self._targets: dict[TopicPartition, int] = {}
        self.caught_up = False
        self._caught_up = asyncio.Event()
        self._topic = topic
        self._handler = handler
        self._service = service
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            isolation_level="read_committed",
            enable_auto_commit=False,
            # Must agree with the seek in `start`: on uvloop, the reset that `assign` starts
            # by itself can finish after `seek_to_beginning` and win (seen with aiokafka 0.14).
            auto_offset_reset="earliest" if from_beginning else "latest",
        )
        self._task: asyncio.Task[None] | None = None
        self.name = name or _handler_name(handler, topic)
        self._telemetry = LoopTelemetry(service, self.name)

    async def start(self) -> None:
        await self._consumer.start()
        partitions = self._consumer.partitions_for_topic(self._topic.name) or set(
            range(self._topic.partitions)
        )
        tps = [TopicPartition(self._topic.name, p) for p in sorted(partitions)]
        self._consumer.assign(tps)
        if self._from_beginning:
            self._targets = await self._consumer.end_offsets(tps)
            await self._consumer.seek_to_beginning(*tps)
        else:
            await self._consumer.seek_to_end(*tps)
        for tp in tps:
            await self._consumer.position(tp)
        await self._check_caught_up()
        self._task = asyncio.create_task(self._follow(), name=f"tail:{self._topic.name}")

    async def wait_caught_up(self, timeout_s: float | None = None) -> bool:
        """Wait until `caught_up`; False if `timeout_s` passes first."""
        try:
            async with asyncio.timeout(timeout_s):
                await self._caught_up.wait()
        except TimeoutError:
            return False
        return True

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The following task, once started (a service may exit when it dies)."""
        return self._task

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._telemetry.clear()
        await self._consumer.stop()

    async def _follow(self) -> None:
        while True:
            fetched = await self._consumer.getmany(timeout_ms=1000)
            for records in fetched.values():
                self._telemetry.consumed(records)
                for record in records:
                    try:
                        with self._telemetry.handling([record]):
                            await self._handler(record)
                    except Exception:
                        # One bad record must not stop every client's live feed.
                        log.exception("record handler failed", offset=record.offset)
                self._telemetry.applied(records)
            await self._telemetry.update(self._consumer)
            if not self.caught_up:
                await self._check_caught_up()

    async def _check_caught_up(self) -> None:
        # Positions, not record offsets: transaction markers take offsets of their own.
        for tp, target in self._targets.items():
            if await self._consumer.position(tp) < target:
                return
        self.caught_up = True
        self._caught_up.set()


def _handler_name(handler: RecordHandler, topic: TopicSpec) -> str:
    # A bound method names its class too (`LiveFeed.on_event`): distinct per tail in a service.
    return str(getattr(handler, "__qualname__", None) or topic.name)
