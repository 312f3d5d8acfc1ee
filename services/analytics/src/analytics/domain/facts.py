"""One fact per ticket, folded from its events: what the reports need to know about it.

`fold` applies one event to the ticket's fact (None before its submission) and says what
happened: applied (a new fact), a duplicate (version already folded: replays and redeliveries
change nothing) or a gap (an event the fact cannot follow; a bug upstream, reported).
Times are the events' `occurred_at`; local days and hours are in the team's time zone.
Durations are kept twice: calendar seconds, and business seconds counted in the team's
business calendar (`kit.business_calendar`, the SLA service's), worked out when the response
or the resolution happens, so the buckets only add them up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from analytics.domain.local_time import local_slot
from contracts.base import Event
from contracts.events import (
    CategoryChanged,
    MessagePosted,
    PriorityChanged,
    SlaBreached,
    SlaClocksSet,
    StatusChanged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketMerged,
    TicketRated,
    TicketRouted,
    TicketSubmitted,
    TicketUnassigned,
)
from kit.business_calendar import BusinessCalendar, WorkingTime

OPEN_STATUSES = frozenset({"new", "open", "in_progress", "on_hold", "escalated"})


@dataclass(frozen=True)
class TicketFact:
    ticket_id: UUID
    version: int
    reference: str
    created_at: datetime
    created_day: str
    created_weekday: int
    created_hour: int
    channel: str
    category: str
    priority: str
    status: str
    queue: str | None = None
    assignee: str | None = None
    first_response_at: datetime | None = None
    # The latest resolution; a reopen clears it until the ticket is resolved again.
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rating: Literal["good", "bad"] | None = None
    rating_comment: str | None = None
    rated_at: datetime | None = None
    sla_tracked: bool = False
    sla_breached: tuple[str, ...] = field(default_factory=tuple)
    escalated: bool = False
    # Working seconds (business calendar) from submission to the first response and to the
    # latest resolution; None when that has not happened (or the fact predates them).
    first_response_business_s: float | None = None
    resolution_business_s: float | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def first_response_s(self) -> float | None:
        if self.first_response_at is None:
            return None
        return _elapsed_s(self.created_at, self.first_response_at)

    @property
    def resolution_s(self) -> float | None:
        if self.resolved_at is None:
            return None
        return _elapsed_s(self.created_at, self.resolved_at)


def _elapsed_s(start: datetime, end: datetime) -> float:
    # In UTC: two datetimes sharing a ZoneInfo subtract as wall clocks, wrong across DST.
    return max(0.0, (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())


@dataclass(frozen=True)
class EventAt:
    """An event with what its envelope says about it."""

    ticket_id: UUID
    version: int
    occurred_at: datetime
    event: Event


Outcome = Literal["applied", "duplicate", "gap"]


@dataclass(frozen=True)
class FoldResult:
    outcome: Outcome
    fact: TicketFact | None


def fold(
    fact: TicketFact | None,
    item: EventAt,
    zone: ZoneInfo,
    business: WorkingTime | None = None,
) -> FoldResult:
    """`fact` after `item`, if `item` is the ticket's next event.

    `business` counts the business-hours durations; None: Monday to Friday, 09:00-17:00 in
    `zone` (the SLA calendar's defaults).
    """
    stored = 0 if fact is None else fact.version
    if item.version <= stored:
        return FoldResult("duplicate", fact)
    if item.version != stored + 1:
        return FoldResult("gap", fact)
    if fact is None:
        if not isinstance(item.event, TicketSubmitted):
            return FoldResult("gap", None)
        return FoldResult("applied", _submitted(item, item.event, zone))
    hours = business if business is not None else BusinessCalendar(timezone=zone.key)
    return FoldResult("applied", replace(_apply(fact, item, hours), version=item.version))


def _submitted(item: EventAt, event: TicketSubmitted, zone: ZoneInfo) -> TicketFact:
    slot = local_slot(item.occurred_at, zone)
    return TicketFact(
        ticket_id=item.ticket_id,
        version=item.version,
        reference=event.reference,
        created_at=item.occurred_at,
        created_day=slot.day,
        created_weekday=slot.weekday,
        created_hour=slot.hour,
        channel=event.channel,
        category=event.category,
        priority=event.priority,
        status=event.status,
    )


def _apply(fact: TicketFact, item: EventAt, business: WorkingTime) -> TicketFact:
    at = item.occurred_at
    match item.event:
        case MessagePosted(author="agent", internal=False) if fact.first_response_at is None:
            return replace(
                fact,
                first_response_at=at,
                first_response_business_s=business.working_seconds(fact.created_at, at),
            )
        case StatusChanged(to_status=status):
            return _status(fact, status, at, business)
        case PriorityChanged(to_priority=priority):
            return replace(fact, priority=priority)
        case CategoryChanged(to_category=category):
            return replace(fact, category=category)
        case TicketAssigned(assignee=assignee, queue=queue):
            return replace(fact, assignee=assignee, queue=queue)
        case TicketAutoAssigned(assignee=assignee, queue=queue):
            return replace(fact, assignee=assignee, queue=queue)
        case TicketUnassigned():
            return replace(fact, assignee=None)
        case TicketRouted(queue=queue):
            return replace(fact, queue=queue)
        case TicketEscalated():
            return replace(fact, status="escalated", escalated=True)
        case TicketMerged():
            return _status(fact, "closed", at, business)
        case TicketRated(rating=rating, comment=comment):
            return replace(fact, rating=rating, rating_comment=comment or None, rated_at=at)
        case SlaClocksSet():
            return replace(fact, sla_tracked=True)
        case SlaBreached(target=target) if target not in fact.sla_breached:
            return replace(fact, sla_tracked=True, sla_breached=(*fact.sla_breached, target))
        case _:
            # Tags, warnings, nudges, merged threads, follow-ups: nothing a report counts,
            # but the version still moves on.
            return fact


def _status(fact: TicketFact, status: str, at: datetime, business: WorkingTime) -> TicketFact:
    if status == "resolved":
        worked = business.working_seconds(fact.created_at, at)
        return replace(fact, status=status, resolved_at=at, resolution_business_s=worked)
    if status == "closed":
        return replace(fact, status=status, closed_at=fact.closed_at or at)
    if fact.status == "resolved":
        # Reopened: not resolved any more; the next resolution counts.
        return replace(fact, status=status, resolved_at=None, resolution_business_s=None)
    return replace(fact, status=status)


# --- storage shape (plain dicts, BSON-friendly) -------------------------------------------


def fact_to_document(fact: TicketFact) -> dict[str, Any]:
    return {
        # Text, not a UUID: FerretDB 1.24 pushes no binary equality down to PostgreSQL, so a
        # lookup by a UUID `_id` decoded every fact.
        "_id": str(fact.ticket_id),
        "version": fact.version,
        "reference": fact.reference,
        "created_at": fact.created_at,
        "created_day": fact.created_day,
        "created_weekday": fact.created_weekday,
        "created_hour": fact.created_hour,
        "channel": fact.channel,
        "category": fact.category,
        "priority": fact.priority,
        "status": fact.status,
        "open": fact.is_open,
        "queue": fact.queue,
        "assignee": fact.assignee,
        "first_response_at": fact.first_response_at,
        "first_response_s": fact.first_response_s,
        "first_response_business_s": fact.first_response_business_s,
        "resolved_at": fact.resolved_at,
        "resolution_s": fact.resolution_s,
        "resolution_business_s": fact.resolution_business_s,
        "closed_at": fact.closed_at,
        "rating": fact.rating,
        "rating_comment": fact.rating_comment,
        "rated_at": fact.rated_at,
        "sla_tracked": fact.sla_tracked,
        "sla_breached": list(fact.sla_breached),
        "escalated": fact.escalated,
    }


def fact_from_document(document: dict[str, Any]) -> TicketFact:
    return TicketFact(
        ticket_id=UUID(str(document["_id"])),
        version=int(document["version"]),
        reference=document["reference"],
        created_at=document["created_at"],
        created_day=document["created_day"],
        created_weekday=int(document["created_weekday"]),
        created_hour=int(document["created_hour"]),
        channel=document["channel"],
        category=document["category"],
        priority=document["priority"],
        status=document["status"],
        queue=document.get("queue"),
        assignee=document.get("assignee"),
        first_response_at=document.get("first_response_at"),
        resolved_at=document.get("resolved_at"),
        closed_at=document.get("closed_at"),
        rating=document.get("rating"),
        rating_comment=document.get("rating_comment"),
        rated_at=document.get("rated_at"),
        sla_tracked=bool(document.get("sla_tracked")),
        sla_breached=tuple(document.get("sla_breached") or ()),
        escalated=bool(document.get("escalated")),
        first_response_business_s=document.get("first_response_business_s"),
        resolution_business_s=document.get("resolution_business_s"),
    )
