"""Routing and SLA commands on the Ticket aggregate: each is safe to repeat and yields to people."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.base import Command, Event
from contracts.commands import (
    AssignTicket,
    AutoAssignTicket,
    AutoCloseTicket,
    NudgeCustomer,
    PostMessage,
    RecordSlaBreach,
    RecordSlaWarning,
    RouteTicket,
    SetSlaClocks,
)
from contracts.events import (
    CustomerNudged,
    PriorityChanged,
    SlaBreached,
    SlaClocksSet,
    SlaWarningIssued,
    StatusChanged,
    TagsAdded,
    TicketAutoAssigned,
    TicketEscalated,
    TicketRouted,
)
from contracts.values import SlaClock, TicketStatus
from tickets.domain.ticket import Ticket, decide, evolve

DUE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def ticket(status: TicketStatus = "new", priority: str = "P3") -> Ticket:
    return Ticket(
        ticket_id=uuid4(),
        reference="DVK-1000",
        version=1,
        status=status,
        priority=priority,  # type: ignore[arg-type]
    )


def run(t: Ticket, command: Command) -> tuple[Ticket, list[Event]]:
    events = decide(t, command, uuid4(), "unused")
    for event in events:
        t = evolve(t, event, t.ticket_id, t.version + 1)
    return t, events


def test_routing_sets_queue_tags_and_raises_a_p1_with_escalation() -> None:
    route = RouteTicket(
        queue="billing", rule="billing", matched="refund", tags=("billing",), priority="P1",
        escalate=True,
    )  # fmt: skip
    routed, events = run(ticket(), route)
    assert [type(e) for e in events] == [TicketRouted, TagsAdded, PriorityChanged, TicketEscalated]
    assert (routed.queue, routed.priority, routed.status) == ("billing", "P1", "escalated")
    assert "refund" in events[-1].reason  # type: ignore[attr-defined]
    assert decide(routed, route, uuid4(), "x") == []  # routed once


def test_routing_never_lowers_a_priority() -> None:
    _, events = run(
        ticket(priority="P1"), RouteTicket(queue="general", rule="default", priority="P3")
    )
    assert [type(e) for e in events] == [TicketRouted]


def test_automatic_assignment_yields_to_a_person() -> None:
    manual, _ = run(ticket("open"), AssignTicket(assignee="agent-7"))
    auto = AutoAssignTicket(assignee="agent-1", queue="general", strategy="round_robin")
    assert decide(manual, auto, uuid4(), "x") == []
    assigned, events = run(ticket("open"), auto)
    assert isinstance(events[0], TicketAutoAssigned)
    assert assigned.assignee == "agent-1"
    assert decide(ticket("resolved"), auto, uuid4(), "x") == []


def test_each_target_is_warned_and_breached_once_and_a_breach_escalates() -> None:
    t, events = run(ticket("open"), RecordSlaWarning(target="first_response", due_at=DUE))
    assert [type(e) for e in events] == [SlaWarningIssued]
    assert decide(t, RecordSlaWarning(target="first_response", due_at=DUE), uuid4(), "x") == []
    t, events = run(t, RecordSlaBreach(target="first_response", due_at=DUE))
    assert [type(e) for e in events] == [SlaBreached, TicketEscalated]
    assert t.status == "escalated"
    assert decide(t, RecordSlaBreach(target="first_response", due_at=DUE), uuid4(), "x") == []
    # The other target still counts, but an escalated ticket is not escalated again.
    _, events = run(t, RecordSlaBreach(target="resolution", due_at=DUE))
    assert [type(e) for e in events] == [SlaBreached]


def test_sla_clocks_are_recorded() -> None:
    clock = SlaClock(target="first_response", policy="P3", target_minutes=480, due_at=DUE)
    _, events = run(ticket(), SetSlaClocks(clocks=(clock,)))
    assert events == [SlaClocksSet(clocks=(clock,))]


@pytest.mark.parametrize(
    ("status", "kind"), [("resolved", "resolved_inactive"), ("on_hold", "waiting_on_customer")]
)
def test_a_nudged_quiet_ticket_closes(status: TicketStatus, kind: str) -> None:
    nudged, events = run(ticket(status), NudgeCustomer(kind=kind, closes_at=DUE))  # type: ignore[arg-type]
    assert isinstance(events[0], CustomerNudged)
    assert nudged.nudged == kind
    closed, events = run(nudged, AutoCloseTicket(kind=kind))  # type: ignore[arg-type]
    assert isinstance(events[0], StatusChanged)
    assert closed.status == "closed"
    # Automation arriving after the close changes nothing and is not an error.
    assert decide(closed, AutoCloseTicket(kind=kind), uuid4(), "x") == []  # type: ignore[arg-type]


def test_activity_after_the_nudge_keeps_the_ticket_open() -> None:
    nudged, _ = run(ticket("on_hold"), NudgeCustomer(kind="waiting_on_customer", closes_at=DUE))
    answered, _ = run(nudged, PostMessage(author="customer", message="here is the log"))
    assert answered.nudged is None
    assert answered.status == "open"
    assert decide(answered, AutoCloseTicket(kind="waiting_on_customer"), uuid4(), "x") == []


def test_no_nudge_for_a_ticket_in_another_status() -> None:
    assert (
        decide(ticket("open"), NudgeCustomer(kind="resolved_inactive", closes_at=DUE), uuid4(), "x")
        == []
    )
