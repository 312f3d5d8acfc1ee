"""Kafka for the intake: one idempotent producer for commands and dead letters.

The intake's consumers are the kit's `GroupConsumer`; everything the intake writes is
idempotent downstream (command ids derive from the input, the reference lookup is upserted),
so a batch re-read after a crash changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeAlias

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord

from contracts.envelopes import CommandEnvelope, DeadLetter
from contracts.topics import DEAD_LETTERS, TICKET_COMMANDS, TopicSpec
from kit.metrics import DEAD_LETTERS_TOTAL, MESSAGES_PRODUCED
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
