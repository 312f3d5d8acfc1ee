"""The tickets read model's consumer: committed events in, MongoDB documents out.

A FastStream batch subscriber in the gateway's projection group. Each batch is applied with
one bulk write; the offsets are committed only after it, and a failed batch (including a gap
while a rebuild is catching up) is re-read from its first record.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts.envelopes import EventEnvelope
from contracts.registry import UndecodableMessage, parse_event_envelope
from contracts.topics import DEAD_LETTERS, TICKET_EVENTS
from gateway.adapters.ticket_store import TicketStore
from kit.kafka import dead_letter_record
from kit.metrics import DEAD_LETTERS_TOTAL, HANDLER_SECONDS

log = structlog.get_logger(__name__)
SERVICE = "gateway"
RETRY_PAUSE_S = 0.2


def register_projection(broker: KafkaBroker, store: TicketStore, group_id: str) -> None:
    @broker.subscriber(
        TICKET_EVENTS.name,
        group_id=group_id,
        batch=True,
        max_records=1000,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def project_ticket_events(bodies: list[Any], message: KafkaMessage) -> None:
        envelopes: list[EventEnvelope] = []
        for record in message.raw_message:  # type: ignore[union-attr]
            try:
                envelopes.append(parse_event_envelope(record.value or b""))
            except UndecodableMessage as error:
                await _dead_letter(broker, record, str(error))
        with HANDLER_SECONDS.labels(SERVICE, "project_ticket_events").time():
            try:
                await store.apply(envelopes)
            except Exception:
                log.exception("projection batch failed; it will be re-read")
                await asyncio.sleep(RETRY_PAUSE_S)  # a gap fills within moments; don't spin
                raise


async def _dead_letter(broker: KafkaBroker, record: Any, reason: str) -> None:
    letter = dead_letter_record(SERVICE, record, reason, datetime.now(UTC))
    await broker.publish(
        letter.model_dump(mode="json"), DEAD_LETTERS.name, key=record.topic.encode()
    )
    DEAD_LETTERS_TOTAL.labels(SERVICE, record.topic).inc()
    log.warning("event dead-lettered", offset=record.offset, reason=reason)
