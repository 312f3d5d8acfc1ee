"""Fire-and-forget commands to the tickets service: an idempotent producer keyed by ticket id.

No reply is awaited (`reply_to` is None); the outcome shows up in the event log, which the
SLA service follows anyway. Command ids are deterministic, so a re-send is deduplicated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS
from kit.metrics import MESSAGES_PRODUCED
from kit.tracing import kafka_headers_from_context


class KafkaCommandSender:
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
        """Send in order (one ticket's commands share a partition); return once acknowledged."""
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
