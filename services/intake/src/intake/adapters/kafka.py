"""Kafka for the intake: one idempotent producer, and a consumer-group loop over a topic.

The loop hands each fetched batch to its handler and commits the offsets only after it, so
a crash re-reads the batch (at least once). Everything the intake writes is idempotent
downstream: command ids derive from the input, the reference lookup is upserted. A handler
that raises (Kafka or MongoDB away) has its batch re-read after a pause, never skipped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeAlias

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from contracts.envelopes import CommandEnvelope, DeadLetter
from contracts.topics import DEAD_LETTERS, TICKET_COMMANDS, TopicSpec
from kit.metrics import DEAD_LETTERS_TOTAL, HANDLER_ERRORS, MESSAGES_CONSUMED, MESSAGES_PRODUCED
from kit.tracing import kafka_headers_from_context

log = structlog.get_logger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
BatchHandler = Callable[[list[Record]], Awaitable[None]]

_RETRY_PAUSE_S = 0.5
_MAX_RETRY_PAUSE_S = 5.0
_POLL_S = 0.05


class RecordSender:
    """The intake's one producer: commands for the tickets service and dead letters."""

    def __init__(self, bootstrap_servers: str, service: str) -> None:
        self._service = service
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            enable_idempotence=True,
            acks="all",
            linger_ms=1,
            client_id=f"{service}-sender",
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send_commands(self, envelopes: Iterable[CommandEnvelope]) -> None:
        """Send every command keyed by its ticket id; returns once all are acknowledged."""
        await self._send_all(
            TICKET_COMMANDS,
            [(str(e.ticket_id).encode(), e.model_dump_json().encode()) for e in envelopes],
        )

    async def send_dead_letters(self, topic: TopicSpec, letters: list[DeadLetter]) -> None:
        """Send dead letters to `topic`: keyed by source on the shared dead-letter topic (as
        every service does), else by the key of what failed."""
        batch = [
            (_dead_letter_key(topic, letter), letter.model_dump_json().encode())
            for letter in letters
        ]
        await self._send_all(topic, batch)
        for letter in letters:
            DEAD_LETTERS_TOTAL.labels(self._service, letter.source_topic).inc()

    async def _send_all(self, topic: TopicSpec, records: list[tuple[bytes, bytes]]) -> None:
        if not records:
            return
        headers = kafka_headers_from_context()
        pending = [
            await self._producer.send(topic.name, value=value, key=key, headers=headers)
            for key, value in records
        ]
        await asyncio.gather(*pending)
        MESSAGES_PRODUCED.labels(self._service, topic.name).inc(len(records))


def _dead_letter_key(topic: TopicSpec, letter: DeadLetter) -> bytes:
    if topic.name == DEAD_LETTERS.name or letter.key is None:
        return letter.source_topic.encode()
    return letter.key.encode()


class GroupConsumer:
    """Follow `topic` in consumer group `group_id`, a batch at a time, committing after each."""

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
        # A group-less consumer that only asks for end offsets (`wait_caught_up`).
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id=f"{service}-{name}-offsets",
            isolation_level="read_committed",
        )
        # Next offset to read per partition, updated after each handled batch.
        self._positions: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None

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
        await self._offsets.stop()
        await self._consumer.stop()

    async def wait_caught_up(self, timeout_s: float) -> bool:
        """True once every record on the topic now (committed) has been handled.

        Compares positions, not record offsets: transaction markers take offsets too.
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
            fetched = await self._consumer.getmany(timeout_ms=500, max_records=500)
            records = [record for batch in fetched.values() for record in batch]
            if records:
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
                    pause = min(_RETRY_PAUSE_S * 2 ** (failures - 1), _MAX_RETRY_PAUSE_S)
                    await asyncio.sleep(pause)
                    continue
                try:
                    await self._consumer.commit(
                        {tp: batch[-1].offset + 1 for tp, batch in fetched.items() if batch}
                    )
                except (CommitFailedError, KafkaError) as error:
                    # Handled but not committed (a rebalance): the batch may come again,
                    # which the idempotent handlers absorb.
                    log.warning("offsets not committed", topic=self._topic.name, error=repr(error))
                failures = 0
            for tp in self._consumer.assignment():
                self._positions[tp] = await self._consumer.position(tp)
