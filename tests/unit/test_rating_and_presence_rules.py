"""Satisfaction ratings on the aggregate and the read model; presence signals (pure)."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from contracts.commands import RateTicket
from contracts.events import TicketRated
from contracts.values import TicketStatus
from gateway.access import Principal
from gateway.presence import PresenceRefused, signal_from
from tickets.domain.ticket import Rejected, Ticket, decide


def ticket(status: TicketStatus) -> Ticket:
    return Ticket(ticket_id=uuid4(), reference="DVK-1000", version=3, status=status)


def test_a_resolved_ticket_takes_a_rating_and_a_new_one_replaces_it() -> None:
    for rating in ("good", "bad"):
        events = decide(ticket("resolved"), RateTicket(rating=rating), uuid4(), "unused")
        assert events == [TicketRated(rating=rating, comment=None)]


@pytest.mark.parametrize("status", ["new", "open", "in_progress", "on_hold", "escalated"])
def test_only_a_resolved_ticket_is_rated(status: TicketStatus) -> None:
    with pytest.raises(Rejected, match="only a resolved ticket"):
        decide(ticket(status), RateTicket(rating="good"), uuid4(), "unused")


def test_a_closed_ticket_is_not_rated_any_more() -> None:
    with pytest.raises(Rejected) as refused:
        decide(ticket("closed"), RateTicket(rating="good"), uuid4(), "unused")
    assert refused.value.code == "closed"


AGENT = Principal(kind="agent", id="a1", role="agent", name="Ana Agent")


def test_presence_is_signed_with_the_agents_own_account() -> None:
    tid = uuid4()
    text = json.dumps(
        {"type": "presence", "ticket": str(tid), "activity": "typing", "agent_name": "Mallory"}
    )
    signal = signal_from(AGENT, text)
    assert (signal.ticket_id, signal.activity) == (tid, "typing")
    assert (signal.agent_id, signal.agent_name) == ("a1", "Ana Agent")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"type": "chat", "ticket": str(uuid4()), "activity": "viewing"}),
        json.dumps({"type": "presence", "ticket": "DVK-1000", "activity": "viewing"}),
        json.dumps({"type": "presence", "ticket": str(uuid4()), "activity": "dancing"}),
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(PresenceRefused):
        signal_from(AGENT, text)


def test_customers_send_no_presence() -> None:
    text = json.dumps({"type": "presence", "ticket": str(uuid4()), "activity": "viewing"})
    with pytest.raises(PresenceRefused):
        signal_from(Principal(kind="customer", id="c1"), text)
