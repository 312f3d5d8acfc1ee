"""The lifecycle table and the commands of agents on the Ticket aggregate (pure)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from contracts.base import Command, Event
from contracts.commands import (
    AddTags,
    AssignTicket,
    ChangePriority,
    ChangeStatus,
    EscalateTicket,
    PostMessage,
    RemoveTags,
    UnassignTicket,
)
from contracts.events import FollowUpOpened, StatusChanged, TicketSubmitted
from contracts.values import Customer, TicketStatus
from tickets.domain.lifecycle import ALLOWED, may_move
from tickets.domain.ticket import (
    Contact,
    Rejected,
    Ticket,
    decide,
    evolve,
    follow_up_id_for,
    follow_up_submission,
)

STATUSES: list[TicketStatus] = [
    "new", "open", "in_progress", "on_hold", "escalated", "resolved", "closed"
]  # fmt: skip


def ticket(status: TicketStatus = "open") -> Ticket:
    return Ticket(ticket_id=uuid4(), reference="DVK-1000", version=3, status=status)


def run(t: Ticket, command: Command) -> tuple[Ticket, list[Event]]:
    events = decide(t, command, uuid4(), "unused")
    for event in events:
        t = evolve(t, event, t.ticket_id, t.version + 1)
    return t, events


def test_every_status_has_a_row_and_nothing_returns_to_new() -> None:
    assert set(ALLOWED) == set(STATUSES)
    assert all("new" not in targets for targets in ALLOWED.values())
    assert ALLOWED["closed"] == frozenset()
    assert ALLOWED["resolved"] == {"open", "closed"}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", [s for s in STATUSES if s != "escalated"])
def test_change_status_follows_the_table(current: TicketStatus, target: TicketStatus) -> None:
    command = ChangeStatus(status=target)
    if current == target and current != "closed":
        assert decide(ticket(current), command, uuid4(), "x") == []
    elif may_move(current, target):
        (event,) = decide(ticket(current), command, uuid4(), "x")
        assert isinstance(event, StatusChanged)
        assert (event.from_status, event.to_status) == (current, target)
    else:
        with pytest.raises(Rejected) as rejected:
            decide(ticket(current), command, uuid4(), "x")
        assert rejected.value.code in {"conflict", "closed"}


def test_escalating_through_change_status_asks_for_escalate() -> None:
    with pytest.raises(Rejected, match="use escalate"):
        decide(ticket("open"), ChangeStatus(status="escalated"), uuid4(), "x")


def test_escalate_sets_status_and_tier_and_is_idempotent() -> None:
    escalate = EscalateTicket(reason="Database is on fire", tier="engineering")
    after, _events = run(ticket("in_progress"), escalate)
    assert after.status == "escalated"
    assert after.escalation_tier == "engineering"
    assert decide(after, escalate, uuid4(), "x") == []
    _, to_l2 = run(after, EscalateTicket(reason="Back to L2", tier="L2"))
    assert len(to_l2) == 1


@pytest.mark.parametrize("status", ["on_hold", "resolved"])
def test_customer_reply_reopens(status: TicketStatus) -> None:
    after, events = run(ticket(status), PostMessage(author="customer", message="Still broken"))
    assert [e.TYPE for e in events] == ["ticket.message_posted", "ticket.status_changed"]
    assert after.status == "open"


def test_agent_reply_keeps_status() -> None:
    after, events = run(ticket("on_hold"), PostMessage(author="agent", message="Any news?"))
    assert len(events) == 1
    assert after.status == "on_hold"


def test_closed_is_final_for_every_command() -> None:
    for command in (
        PostMessage(author="agent", message="hello?"),
        ChangePriority(priority="P1"),
        AddTags(tags=("vip",)),
        ChangeStatus(status="open"),
    ):
        with pytest.raises(Rejected) as rejected:
            decide(ticket("closed"), command, uuid4(), "x")
        assert rejected.value.code == "closed"


def test_only_agents_write_internal_notes() -> None:
    with pytest.raises(ValueError, match="only agents"):
        PostMessage(author="customer", message="psst", internal=True)


def test_tags_assignment_and_priority_change_only_what_differs() -> None:
    t, _events = run(ticket(), AddTags(tags=("vip", "billing", "vip")))
    assert t.tags == {"vip", "billing"}
    assert decide(t, AddTags(tags=("vip",)), uuid4(), "x") == []
    t, _ = run(t, RemoveTags(tags=("vip", "absent")))
    assert t.tags == {"billing"}
    t, _ = run(t, AssignTicket(queue="billing"))
    t, _ = run(t, AssignTicket(assignee="agent-7"))
    assert (t.assignee, t.queue) == ("agent-7", "billing")
    t, _ = run(t, UnassignTicket())
    assert (t.assignee, t.queue) == (None, "billing")
    assert decide(t, UnassignTicket(), uuid4(), "x") == []
    assert decide(t, ChangePriority(priority="P3"), uuid4(), "x") == []


def test_assign_needs_someone() -> None:
    with pytest.raises(ValueError, match="assignee, a queue"):
        AssignTicket()


def test_submission_starts_new() -> None:
    submitted = TicketSubmitted(
        reference="DVK-1",
        customer=Customer(name="A", email="a@example.com"),
        category="general",
        priority="P2",
        subject="s",
        message_id=uuid4(),
        message="m",
        channel="web",
    )
    t = evolve(None, submitted, uuid4(), 1)
    assert (t.status, t.priority, t.version) == ("new", "P2", 1)


def test_a_customer_writing_to_a_closed_ticket_opens_a_linked_follow_up() -> None:
    customer = Customer(name="Back Again", email="again@example.com")
    closed = Ticket(
        ticket_id=uuid4(),
        reference="DVK-1006",
        version=9,
        status="closed",
        priority="P2",
        category="billing",
        customer=Contact.of(customer),
        subject="Refund",
    )
    command_id = uuid4()
    (event,) = decide(closed, PostMessage(author="customer", message="It happened again"),
                      command_id, "x")  # fmt: skip
    assert isinstance(event, FollowUpOpened)
    assert event.follow_up_ticket_id == follow_up_id_for(command_id)
    submission = follow_up_submission(closed, event)
    assert submission.follow_up_of == closed.ticket_id
    assert (submission.customer, submission.category, submission.priority) == (
        customer, "billing", "P2"
    )  # fmt: skip
    assert submission.subject == "Follow-up to DVK-1006: Refund"
    assert submission.message == "It happened again"
    after = evolve(closed, event, closed.ticket_id, 10)
    assert (after.status, after.version) == ("closed", 10)
