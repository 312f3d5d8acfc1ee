"""Fire-and-forget commands to the tickets service, and dead letters, on one producer.

For automation (routing, SLA): idempotent and `acks=all`; commands are keyed by ticket id (the
partition of its owner). Nobody waits for replies (`reply_to` is None): the outcome shows up as
events on the log the sender follows anyway, and deterministic command ids make a re-send after
a crash a duplicate the tickets service ignores. People's commands use `CommandBus` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from contracts.envelopes import CommandEnvelope, DeadLetter
from contracts.topics import DEAD_LETTERS, TICKET_COMMANDS
from kit.metrics import DEAD_LETTERS_TOTAL, MESSAGES_PRODUCED
from kit.tracing import kafka_headers_from_context


class CommandSender:
    def __init__(self, bootstrap_servers: str, service: str) -> None:
        self._service = service
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            enable_idempotence=True,
            acks="all",
            linger_ms=1,
            client_id=f"{service}-commands",
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, envelopes: Sequence[CommandEnvelope]) -> None:
        """Send all; returns once Kafka acknowledged every one."""
        if not envelopes:
            return
        headers = kafka_headers_from_context()
        pending = [
            await self._producer.send(
                TICKET_COMMANDS.name,
                value=envelope.model_dump_json().encode(),
                key=str(envelope.ticket_id).encode(),
                headers=headers,
            )
            for envelope in envelopes
        ]
        await asyncio.gather(*pending)
        MESSAGES_PRODUCED.labels(self._service, TICKET_COMMANDS.name).inc(len(envelopes))

    async def dead_letter(self, letter: DeadLetter) -> None:
        await self._producer.send_and_wait(
            DEAD_LETTERS.name,
            value=letter.model_dump_json().encode(),
            key=letter.source_topic.encode(),
            headers=kafka_headers_from_context(),
        )
        DEAD_LETTERS_TOTAL.labels(self._service, letter.source_topic).inc()
        MESSAGES_PRODUCED.labels(self._service, DEAD_LETTERS.name).inc()
