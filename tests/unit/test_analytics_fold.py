"""The analytics fact fold: what each ticket event does to a ticket's fact, and idempotence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from analytics.domain.facts import (
    EventAt,
    TicketFact,
    fact_from_document,
    fact_to_document,
    fold,
)
from contracts.base import Event
from contracts.events import (
    CategoryChanged,
    MessagePosted,
    PriorityChanged,
    SlaBreached,
    SlaClocksSet,
    StatusChanged,
    TagsAdded,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketMerged,
    TicketRated,
    TicketRouted,
    TicketSubmitted,
    TicketUnassigned,
)
from contracts.values import Customer, SlaClock

UTC_ZONE = ZoneInfo("UTC")
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TICKET = UUID("00000000-0000-4000-8000-000000000001")


def submitted(**changes: Any) -> TicketSubmitted:
    fields: dict[str, Any] = {
        "reference": "DVK-1001",
        "customer": Customer(name="Ada", email="ada@example.com"),
        "category": "billing",
        "priority": "P2",
        "subject": "Charged twice",
        "message_id": uuid4(),
        "message": "Twice!",
        "channel": "email",
    }
    fields.update(changes)
    return TicketSubmitted(**fields)


def at(version: int, event: Event, minutes: float = 0) -> EventAt:
    return EventAt(TICKET, version, T0 + timedelta(minutes=minutes), event)


def folded(*events: Event) -> TicketFact:
    fact: TicketFact | None = None
    for version, event in enumerate(events, start=1):
        result = fold(fact, at(version, event, minutes=10 * (version - 1)), UTC_ZONE)
        assert result.outcome == "applied"
        fact = result.fact
    assert fact is not None
    return fact


def message(author: str = "agent", *, internal: bool = False) -> MessagePosted:
    return MessagePosted(
        message_id=uuid4(), author=author, message="hi", channel="web", internal=internal
    )


def status(from_status: str, to_status: str) -> StatusChanged:
    return StatusChanged(from_status=from_status, to_status=to_status)


def test_submission_makes_the_fact_with_its_local_slot() -> None:
    fact = folded(submitted())
    assert (fact.version, fact.reference, fact.status) == (1, "DVK-1001", "new")
    assert (fact.channel, fact.category, fact.priority) == ("email", "billing", "P2")
    assert (fact.created_day, fact.created_weekday, fact.created_hour) == ("2026-11-20", 4, 9)
    assert fact.is_open
    assert fact.first_response_at is None
    assert fact.queue is None


def test_first_public_agent_message_is_the_first_response() -> None:
    fact = folded(
        submitted(),
        message("customer"),
        message("agent", internal=True),
        message("agent"),
        message("agent"),
    )
    # Version 4 (the first public agent message) at 30 minutes; the later one changes nothing.
    assert fact.first_response_at == T0 + timedelta(minutes=30)
    assert fact.first_response_s == 1800
    assert fact.version == 5


def test_resolution_reopen_and_last_resolution() -> None:
    fact = folded(submitted(), status("new", "resolved"))
    assert fact.resolved_at == T0 + timedelta(minutes=10)
    assert not fact.is_open
    reopened = folded(submitted(), status("new", "resolved"), status("resolved", "open"))
    assert reopened.resolved_at is None
    assert reopened.is_open
    again = folded(
        submitted(),
        status("new", "resolved"),
        status("resolved", "open"),
        status("open", "resolved"),
    )
    assert again.resolution_s == 1800


def test_close_keeps_the_resolution_and_stamps_closed_at() -> None:
    fact = folded(submitted(), status("new", "resolved"), status("resolved", "closed"))
    assert fact.status == "closed"
    assert fact.closed_at == T0 + timedelta(minutes=20)
    assert fact.resolved_at == T0 + timedelta(minutes=10)


def test_assignment_routing_and_unassignment() -> None:
    assert folded(submitted(), TicketRouted(queue="billing", rule="r1")).queue == "billing"
    fact = folded(submitted(), TicketAssigned(assignee="ag-1", queue="tier1"))
    assert (fact.assignee, fact.queue) == ("ag-1", "tier1")
    auto = folded(
        submitted(), TicketAutoAssigned(assignee="ag-2", queue="billing", strategy="round_robin")
    )
    assert (auto.assignee, auto.queue) == ("ag-2", "billing")
    gone = folded(
        submitted(),
        TicketAssigned(assignee="ag-1", queue="tier1"),
        TicketUnassigned(previous_assignee="ag-1"),
    )
    assert (gone.assignee, gone.queue) == (None, "tier1")


def test_priority_category_and_escalation() -> None:
    fact = folded(
        submitted(),
        PriorityChanged(from_priority="P2", to_priority="P1"),
        CategoryChanged(from_category="billing", to_category="refunds"),
        TicketEscalated(reason="angry", tier="L2", from_status="new"),
    )
    assert (fact.priority, fact.category, fact.status, fact.escalated) == (
        "P1",
        "refunds",
        "escalated",
        True,
    )


def test_merge_closes_the_duplicate() -> None:
    fact = folded(
        submitted(), TicketMerged(into_ticket_id=uuid4(), into_reference="DVK-9", from_status="new")
    )
    assert fact.status == "closed"
    assert fact.closed_at is not None
    assert not fact.is_open


def test_the_newest_rating_counts() -> None:
    fact = folded(
        submitted(),
        status("new", "resolved"),
        TicketRated(rating="bad", comment="slow"),
        TicketRated(rating="good", comment=""),
    )
    assert (fact.rating, fact.rating_comment) == ("good", None)
    assert fact.rated_at == T0 + timedelta(minutes=30)


def test_sla_clocks_and_breaches() -> None:
    clock = SlaClock(target="first_response", policy="P2", target_minutes=60)
    fact = folded(
        submitted(),
        SlaClocksSet(clocks=(clock,)),
        SlaBreached(target="first_response", due_at=T0),
        SlaBreached(target="first_response", due_at=T0),
        SlaBreached(target="resolution", due_at=T0),
    )
    assert fact.sla_tracked
    assert fact.sla_breached == ("first_response", "resolution")


def test_events_reports_ignore_still_move_the_version() -> None:
    fact = folded(submitted(), TagsAdded(tags=("vip",)))
    assert fact.version == 2
    assert fact.status == "new"


def test_replayed_and_redelivered_events_change_nothing() -> None:
    fact = folded(submitted(), status("new", "resolved"))
    for version in (1, 2):
        again = fold(fact, at(version, status("resolved", "open")), UTC_ZONE)
        assert again.outcome == "duplicate"
        assert again.fact == fact


def test_a_gap_is_reported_not_applied() -> None:
    fact = folded(submitted())
    skipped = fold(fact, at(3, status("new", "open")), UTC_ZONE)
    assert skipped.outcome == "gap"
    assert skipped.fact == fact
    # Nothing folds before the submission.
    assert fold(None, at(1, status("new", "open")), UTC_ZONE).outcome == "gap"
    assert fold(None, at(2, submitted()), UTC_ZONE).outcome == "gap"


def test_the_stored_document_round_trips() -> None:
    fact = folded(
        submitted(),
        TicketAssigned(assignee="ag-1", queue="tier1"),
        message("agent"),
        status("new", "resolved"),
        TicketRated(rating="good", comment="thanks"),
        SlaBreached(target="resolution", due_at=T0),
    )
    document = fact_to_document(fact)
    assert document["open"] is False
    assert document["first_response_s"] == 1200
    assert fact_from_document(document) == fact


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        fold(None, EventAt(TICKET, 1, datetime(2026, 1, 1), submitted()), UTC_ZONE)
