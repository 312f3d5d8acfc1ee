"""The reference lookup: ticket events in, `intake_references` documents out, and the
questions asked of it ("which ticket is DVK-1234?", "what is its status?")."""

from __future__ import annotations

from uuid import UUID

import structlog

from contracts.events import StatusChanged, TicketEscalated, TicketMerged, TicketSubmitted
from contracts.registry import UndecodableMessage, decode_event, parse_event_envelope
from intake.adapters.reference_store import ReferenceStore, StatusChange, TicketStatus
from intake.domain.mail import ParsedMail
from intake.metrics import REFERENCES_STORED
from kit.group_consumer import GroupConsumer, Record

log = structlog.get_logger(__name__)


_KEPT = frozenset(
    {TicketSubmitted.TYPE, StatusChanged.TYPE, TicketEscalated.TYPE, TicketMerged.TYPE}
)


class ReferenceProjection:
    """Handles batches of the ticket event log (its consumer group is the intake's own)."""

    def __init__(self, store: ReferenceStore) -> None:
        self._store = store

    async def on_events(self, records: list[Record]) -> None:
        found: dict[str, UUID] = {}
        statuses: list[StatusChange] = []
        for record in records:
            try:
                envelope = parse_event_envelope(record.value or b"")
                if envelope.type not in _KEPT:
                    continue
                event = decode_event(envelope)
            except UndecodableMessage as error:
                # The gateway's projection keeps undecodable events as dead letters.
                log.warning("event skipped", offset=record.offset, reason=str(error))
                continue
            ticket_id, version = envelope.ticket_id, envelope.version
            match event:
                case TicketSubmitted(reference=reference):
                    found[reference] = ticket_id
                case StatusChanged(to_status=status):
                    statuses.append(StatusChange(ticket_id, version, status))
                case TicketEscalated():
                    statuses.append(StatusChange(ticket_id, version, "escalated"))
                case TicketMerged(into_reference=into):
                    statuses.append(StatusChange(ticket_id, version, "closed", merged_into=into))
        if found or statuses:
            await self._store.save(found, statuses)
            REFERENCES_STORED.inc(len(found))


class TicketLookup:
    """Which existing ticket a mail answers, if any.

    Asked before the lookup has read a just-made ticket, it would say "unknown" and the
    reply would open a new ticket; so a mail naming a ticket that is not found waits (at
    most `wait_s`) until the lookup has read the event log as far as it stands, then asks
    again.
    """

    def __init__(self, store: ReferenceStore, projection: GroupConsumer, wait_s: float) -> None:
        self._store = store
        self._projection = projection
        self._wait_s = wait_s

    async def ticket_for(self, mail: ParsedMail) -> UUID | None:
        found = await self._find(mail)
        if found is None and (mail.thread_ticket_ids or mail.reference):
            if not await self._projection.wait_caught_up(self._wait_s):
                log.warning("reference lookup behind the event log", wait_s=self._wait_s)
            found = await self._find(mail)
        return found

    async def _find(self, mail: ParsedMail) -> UUID | None:
        for ticket_id in mail.thread_ticket_ids:
            if await self._store.known_ticket(ticket_id):
                return ticket_id
        if mail.reference is not None:
            return await self._store.ticket_for(mail.reference)
        return None

    async def status_of(self, reference: str, wait_s: float) -> TicketStatus | None:
        """The ticket's status as the event log has it; an unknown reference waits (at most
        `wait_s`) for the lookup to catch up before it counts as unknown."""
        found = await self._store.status_of(reference)
        if found is None:
            await self._projection.wait_caught_up(wait_s)
            found = await self._store.status_of(reference)
        return found
