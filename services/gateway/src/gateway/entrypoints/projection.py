"""The tickets read model's consumer: committed events in, MongoDB documents out.

A `kit.group_consumer.GroupConsumer` in the gateway's projection group, so it reports the
same metrics and spans as every other loop (its projection lag is `tickets_read_model`).
Each batch is applied with one bulk write; the offsets are committed only after it, and a
failed batch (including a gap while a rebuild is catching up) is re-read from its first
record after a pause.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from contracts.envelopes import EventEnvelope
from contracts.registry import UndecodableMessage, parse_event_envelope
from contracts.topics import TICKET_EVENTS
from gateway.adapters.ticket_store import TicketStore
from kit.command_sender import CommandSender
from kit.group_consumer import GroupConsumer, Record
from kit.kafka import dead_letter_record

log = structlog.get_logger(__name__)
SERVICE = "gateway"
PROJECTION = "tickets_read_model"


class TicketProjection:
    def __init__(self, store: TicketStore, dead_letters: CommandSender) -> None:
        self._store = store
        self._dead_letters = dead_letters

    async def on_events(self, records: list[Record]) -> None:
        envelopes: list[EventEnvelope] = []
        for record in records:
            try:
                envelopes.append(parse_event_envelope(record.value or b""))
            except UndecodableMessage as error:
                await self._dead_letter(record, str(error))
        await self._store.apply(envelopes)

    async def _dead_letter(self, record: Record, reason: str) -> None:
        letter = dead_letter_record(SERVICE, record, reason, datetime.now(UTC))
        await self._dead_letters.dead_letter(letter)
        log.warning("event dead-lettered", offset=record.offset, reason=reason)


def projection_consumer(
    bootstrap_servers: str, store: TicketStore, group_id: str, dead_letters: CommandSender
) -> GroupConsumer:
    return GroupConsumer(
        bootstrap_servers,
        TICKET_EVENTS,
        group_id,
        TicketProjection(store, dead_letters).on_events,
        SERVICE,
        name=PROJECTION,
        max_records=1000,
    )
