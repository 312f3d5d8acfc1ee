"""Ticket events in, ticket facts out: the batch handler of the analytics consumer group.

For a batch: read the facts of its tickets, fold the events in log order, mark the created
days of every changed fact dirty (persisted first, so a crash after the fact writes still
leaves the day to recompute), write the facts, and mark the days again (a refresh running
meanwhile may have read the facts before the writes). Undecodable events still move a ticket's
version on (a reader must not stall on an event type it does not know) and are logged.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from prometheus_client import Counter

from analytics.adapters.fact_store import AnalyticsStore
from analytics.domain.facts import EventAt, TicketFact, fold
from contracts.base import Event
from contracts.envelopes import EventEnvelope
from contracts.registry import UndecodableMessage, decode_event, parse_event_envelope
from kit.business_calendar import WorkingTime
from kit.group_consumer import Record

log = structlog.get_logger(__name__)

EVENTS_FOLDED = Counter(
    "dvika_analytics_events_total",
    "Ticket events the analytics projection read, by outcome (applied, duplicate, gap, bad).",
    ["outcome"],
)


class _Unknown(Event):
    """Stands in for an event this reader cannot decode: it changes nothing but the version."""

    TYPE = "analytics.unknown"


class FactProjection:
    def __init__(
        self,
        store: AnalyticsStore,
        zone: ZoneInfo,
        on_dirty: Callable[[set[str]], None],
        business: WorkingTime | None = None,
    ) -> None:
        self._store = store
        self._zone = zone
        self._on_dirty = on_dirty
        # The business calendar of the business-hours durations (None: the SLA defaults).
        self._business = business

    async def on_events(self, records: list[Record]) -> None:
        items: list[EventAt] = []
        for record in records:
            try:
                envelope = parse_event_envelope(record.value or b"")
            except UndecodableMessage as error:
                EVENTS_FOLDED.labels("bad").inc()
                log.warning("record skipped", offset=record.offset, reason=str(error))
                continue
            items.append(
                EventAt(
                    envelope.ticket_id, envelope.version, envelope.occurred_at, _decoded(envelope)
                )
            )
        if not items:
            return
        facts = await self._store.facts_of({item.ticket_id for item in items})
        read_versions = {ticket_id: fact.version for ticket_id, fact in facts.items()}
        current: dict[UUID, TicketFact | None] = dict(facts)
        changed: dict[UUID, TicketFact] = {}
        for item in items:
            result = fold(current.get(item.ticket_id), item, self._zone, self._business)
            EVENTS_FOLDED.labels(result.outcome).inc()
            if result.outcome == "gap":
                log.error(
                    "event out of order; skipped",
                    ticket_id=str(item.ticket_id),
                    version=item.version,
                    folded_version=getattr(current.get(item.ticket_id), "version", 0),
                )
            if result.outcome == "applied" and result.fact is not None:
                current[item.ticket_id] = result.fact
                changed[item.ticket_id] = result.fact
        if not changed:
            return
        days = {fact.created_day for fact in changed.values()}
        # Before the writes: a crash after them still leaves the days to recompute.
        await self._store.mark_dirty(days)
        await self._store.save_facts(changed.values(), read_versions)
        # And after: a refresh that read the first marks may have read the facts before these
        # writes; the new stamps keep it from unmarking the days.
        await self._store.mark_dirty(days)
        self._on_dirty(days)


def _decoded(envelope: EventEnvelope) -> Event:
    try:
        return decode_event(envelope)
    except UndecodableMessage as error:
        EVENTS_FOLDED.labels("bad").inc()
        log.warning(
            "event not decodable; only its version counts", type=envelope.type, reason=str(error)
        )
        return _Unknown()
