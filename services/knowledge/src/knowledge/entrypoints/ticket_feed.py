"""Feeds the similar-tickets index from the ticket event log (a TopicTail from the beginning)."""

from __future__ import annotations

import structlog
from aiokafka import ConsumerRecord

from contracts.registry import UndecodableMessage, decode_event, parse_event_envelope
from knowledge.adapters.ticket_index import TicketIndex

log = structlog.get_logger(__name__)


class TicketFeed:
    def __init__(self, index: TicketIndex) -> None:
        self.index = index

    async def on_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            envelope = parse_event_envelope(record.value or b"")
            event = decode_event(envelope)
        except UndecodableMessage as error:
            # Not ours to dead-letter (the tickets service owns the log); just not indexed.
            log.debug("ticket event not indexed", offset=record.offset, reason=error.args[0])
            return
        self.index.fold(envelope.ticket_id, event)
