"""Partners' `intake.requests` records in: a `SubmitTicket` each, or a record on `intake.dlq`.

Ticket and command ids derive from (partner, idempotency key), so a duplicate record, or a
batch read again after a crash, makes nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from contracts.envelopes import CommandEnvelope, DeadLetter
from contracts.topics import INTAKE_DLQ
from intake.adapters.kafka import RecordSender
from intake.domain.commands import InvalidRecord, read_partner_record, ticket_from_partner
from intake.entrypoints.dead_letters import dead_letter
from intake.metrics import PARTNER_REQUESTS
from kit.group_consumer import Record

log = structlog.get_logger(__name__)


class PartnerRequests:
    def __init__(self, sender: RecordSender, clock: Callable[[], datetime]) -> None:
        self._sender = sender
        self._clock = clock

    async def on_records(self, records: list[Record]) -> None:
        now = self._clock()
        commands: list[CommandEnvelope] = []
        refused: list[DeadLetter] = []
        for record in records:
            request = read_partner_record(record.value)
            if isinstance(request, InvalidRecord):
                refused.append(dead_letter(record, request.reason, now))
                log.warning(
                    "partner record refused",
                    partition=record.partition,
                    offset=record.offset,
                    reason=request.reason,
                )
            else:
                commands.append(ticket_from_partner(request, now))
        await self._sender.send_commands(commands)
        await self._sender.send_dead_letters(INTAKE_DLQ, refused)
        PARTNER_REQUESTS.labels("submitted").inc(len(commands))
        PARTNER_REQUESTS.labels("invalid").inc(len(refused))
