"""The read model's routing, SLA and nudge fields, and attachments on the thread.

Each event is folded the way the projector and the listing index fold it (`apply_event`);
the listing index's copy comes back from JSON, so the same folds are checked from there too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic_core import to_jsonable_python

from contracts.envelopes import EventEnvelope
from contracts.values import Actor
from gateway.domain.ticket_view import (
    SERVED_DEFAULTS,
    TicketView,
    apply_event,
    clock_state,
    public_view,
    staff_view,
)
from support.events import NOW, submitted

TICKET = uuid4()
SYSTEM = Actor(kind="system", id="sla")
AGENT = Actor(kind="agent", id="a1")
CUSTOMER = Actor(kind="customer")
DUE_FIRST = NOW + timedelta(hours=4)
DUE_RESOLVE = NOW + timedelta(days=2)


def event(
    version: int,
    type_: str,
    payload: dict[str, Any],
    actor: Actor = SYSTEM,
    at: datetime = NOW,
    schema_version: int = 1,
    ticket: UUID = TICKET,
) -> EventEnvelope:
    command = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        schema_version=schema_version,
        ticket_id=ticket,
        version=version,
        occurred_at=at,
        actor=actor,
        command_id=command,
        correlation_id=command,
        causation_id=command,
        payload=payload,
    )


def clock(target: str, due: datetime | None, **extra: Any) -> dict[str, Any]:
    return {
        "target": target,
        "policy": "P2",
        "target_minutes": 240 if target == "first_response" else 2880,
        "business_hours": False,
        "due_at": None if due is None else due.isoformat(),
        **extra,
    }


def mark(version: int, kind: str, target: str, due: datetime, at: datetime = NOW) -> EventEnvelope:
    """A `ticket.sla_warning_issued` or `ticket.sla_breached` (kind "warning" or "breach")."""
    type_ = "ticket.sla_warning_issued" if kind == "warning" else "ticket.sla_breached"
    return event(version, type_, {"target": target, "due_at": due.isoformat()}, at=at)


def clocks_set(version: int, *clocks: dict[str, Any], at: datetime = NOW) -> EventEnvelope:
    return event(version, "ticket.sla_clocks_set", {"clocks": list(clocks)}, at=at)


def fold(*envelopes: EventEnvelope, start: TicketView | None = None) -> TicketView:
    """The stored document after the events, with the fields served when unset (what
    `staff_view` adds), so tests read every field alike."""
    view = start
    for envelope in envelopes:
        updated = apply_event(view, envelope)
        assert updated is not None, envelope.type
        view = updated
    assert view is not None
    return {**SERVED_DEFAULTS, **view}


def through_json(view: TicketView) -> TicketView:
    """What the listing index reads back: the summary as JSON, with no thread or history."""
    stored: TicketView = json.loads(json.dumps(to_jsonable_python(view)))
    stored.update(thread=[], history=[])
    return stored


SUBMITTED = submitted(TICKET, "DVK-2000")


def base() -> TicketView:
    return fold(SUBMITTED)


# --- routing ------------------------------------------------------------------------------


def test_a_new_ticket_has_no_routing_sla_or_nudge_and_sorts_last_by_sla() -> None:
    stored = apply_event(None, SUBMITTED)
    assert stored is not None
    # Not stored until set (FerretDB decodes every field of every listed document) ...
    assert not set(SERVED_DEFAULTS) & set(stored)
    assert "attachments" not in stored["thread"][0]
    # ... but always served.
    served = staff_view(stored)
    assert {k: served[k] for k in SERVED_DEFAULTS} == SERVED_DEFAULTS
    assert served["thread"][0]["attachments"] == []
    view = base()
    assert (view["routing"], view["sla"], view["sla_due"], view["nudged"]) == (None,) * 4
    assert view["sla_breached"] is False
    assert view["sla_state"] is None
    assert view["sort_sla"] == "~" + view["sort_created"]


def test_routed_sets_the_queue_and_says_why() -> None:
    routed = event(2, "ticket.routed", {"queue": "billing", "rule": "billing", "matched": "refund"})
    view = fold(routed, start=base())
    assert view["queue"] == "billing"
    assert view["routing"] == {
        "rule": "billing",
        "matched": "refund",
        "queue": "billing",
        "strategy": None,
        "assignee": None,
        "at": NOW,
    }
    assert view["history"][-1]["summary"] == (
        "Routed to queue billing by rule billing (matched “refund”)"
    )


def test_auto_assigned_assigns_and_completes_the_routing_record() -> None:
    view = fold(
        event(2, "ticket.routed", {"queue": "billing", "rule": "billing", "matched": "refund"}),
        event(
            3,
            "ticket.auto_assigned",
            {"assignee": "a7", "queue": "billing", "strategy": "load_based"},
        ),
        start=base(),
    )
    assert (view["assignee"], view["queue"]) == ("a7", "billing")
    assert view["routing"]["rule"] == "billing"
    assert (view["routing"]["strategy"], view["routing"]["assignee"]) == ("load_based", "a7")
    assert "a7" in view["history"][-1]["summary"]
    assert "load-based" in view["history"][-1]["summary"]


def test_auto_assigned_without_a_routing_decision_still_says_how() -> None:
    assigned = event(
        2, "ticket.auto_assigned", {"assignee": "a7", "queue": "general", "strategy": "round_robin"}
    )
    view = fold(assigned, start=base())
    assert view["routing"]["rule"] is None
    assert view["routing"]["strategy"] == "round_robin"
    assert view["queue"] == "general"


# --- SLA clocks ---------------------------------------------------------------------------


def test_clocks_set_shows_each_target_and_the_earliest_due_time() -> None:
    view = fold(
        clocks_set(2, clock("first_response", DUE_FIRST), clock("resolution", DUE_RESOLVE)),
        start=base(),
    )
    first = view["sla"]["first_response"]
    assert first["due_at"] == DUE_FIRST
    assert first["state"] == "ok"
    assert (first["policy"], first["target_minutes"], first["business_hours"]) == (
        "P2",
        240,
        False,
    )
    assert first["met_at"] is first["warned_at"] is first["breached_at"] is None
    assert view["sla"]["resolution"]["due_at"] == DUE_RESOLVE
    assert view["sla_due"] == DUE_FIRST
    assert view["sla_state"] == "ok"
    assert view["sla_breached"] is False
    assert view["sort_sla"] == f"{DUE_FIRST.isoformat(timespec='milliseconds')}|{TICKET}"
    assert "first response due 2026-11-24 16:00 UTC" in view["history"][-1]["summary"]


def test_a_met_or_paused_clock_does_not_count_for_the_due_time() -> None:
    met = clock("first_response", None, met_at=(NOW + timedelta(minutes=5)).isoformat())
    paused = clock("resolution", None, remaining_s=3600)
    view = fold(clocks_set(2, met, paused), start=base())
    assert view["sla"]["first_response"]["state"] == "met"
    assert view["sla"]["resolution"]["state"] == "paused"
    assert view["sla"]["resolution"]["remaining_s"] == 3600
    assert view["sla_due"] is None
    assert view["sla_state"] == "paused"  # the worse of met and paused
    assert view["sort_sla"].startswith("~")
    assert "resolution paused, 60 min left" in view["history"][-1]["summary"]


def test_warning_puts_its_target_at_risk_and_breach_breaches_it() -> None:
    warned_at = DUE_FIRST - timedelta(minutes=30)
    view = fold(
        clocks_set(2, clock("first_response", DUE_FIRST), clock("resolution", DUE_RESOLVE)),
        event(
            3,
            "ticket.sla_warning_issued",
            {"target": "first_response", "due_at": DUE_FIRST.isoformat()},
            at=warned_at,
        ),
        start=base(),
    )
    first = view["sla"]["first_response"]
    assert (first["state"], first["warned_at"]) == ("at_risk", warned_at)
    assert view["sla"]["resolution"]["state"] == "ok"
    assert view["sla_state"] == "at_risk"
    assert view["sla_breached"] is False
    assert view["history"][-1]["summary"] == "SLA first response at risk: due 2026-11-24 16:00 UTC"

    view = fold(
        event(
            4,
            "ticket.sla_breached",
            {"target": "first_response", "due_at": DUE_FIRST.isoformat()},
            at=DUE_FIRST,
        ),
        start=view,
    )
    first = view["sla"]["first_response"]
    assert (first["state"], first["breached_at"], first["warned_at"]) == (
        "breached",
        DUE_FIRST,
        warned_at,
    )
    assert view["sla_breached"] is True
    assert view["sla_state"] == "breached"
    assert view["sla_due"] == DUE_FIRST  # still running, and overdue: first in `sla_due`
    assert "breached" in view["history"][-1]["summary"]


def test_recomputed_clocks_keep_a_recorded_warning_and_breach() -> None:
    view = fold(
        clocks_set(2, clock("resolution", DUE_RESOLVE)),
        mark(3, "breach", "resolution", DUE_RESOLVE),
        clocks_set(4, clock("resolution", DUE_RESOLVE + timedelta(hours=1))),
        start=base(),
    )
    assert view["sla"]["resolution"]["state"] == "breached"
    assert view["sla_breached"] is True
    # Met late: the target is met, the ticket still missed its SLA.
    late = (DUE_RESOLVE + timedelta(hours=2)).isoformat()
    view = fold(clocks_set(5, clock("resolution", None, met_at=late)), start=view)
    assert view["sla"]["resolution"]["state"] == "met"
    assert view["sla_breached"] is True
    assert view["sla_due"] is None


def test_a_breach_of_a_target_no_clock_mentioned_gets_a_bare_clock() -> None:
    view = fold(mark(2, "breach", "first_response", DUE_FIRST), start=base())
    assert view["sla"]["first_response"]["state"] == "breached"
    assert view["sla"]["first_response"]["due_at"] == DUE_FIRST
    assert view["sla_breached"] is True


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({"met_at": NOW, "due_at": None, "breached_at": NOW}, "met"),
        ({"due_at": None, "breached_at": NOW}, "paused"),
        ({"due_at": NOW, "breached_at": NOW, "warned_at": NOW}, "breached"),
        ({"due_at": NOW, "warned_at": NOW}, "at_risk"),
        ({"due_at": NOW}, "ok"),
    ],
)
def test_clock_states_in_order_of_precedence(fields: dict[str, Any], state: str) -> None:
    assert clock_state(fields) == state


def test_the_same_folds_from_the_listing_indexs_json_agree() -> None:
    """The listing index re-reads its view from JSON (times as text) before each event."""
    events = [
        clocks_set(2, clock("first_response", DUE_FIRST), clock("resolution", DUE_RESOLVE)),
        mark(3, "warning", "resolution", DUE_RESOLVE),
        mark(4, "breach", "first_response", DUE_FIRST),
    ]
    direct = fold(*events, start=base())
    via_json = base()
    for envelope in events:
        via_json = fold(envelope, start=through_json(via_json))
    for field in ("sla_breached", "sla_state", "sort_sla"):
        assert via_json[field] == direct[field]
    assert through_json(via_json)["sla"] == through_json(direct)["sla"]
    assert datetime.fromisoformat(str(via_json["sla_due"])) == direct["sla_due"]


def test_naive_due_times_count_as_utc() -> None:
    naive = clock("first_response", None) | {"due_at": "2026-11-24T16:00:00"}
    view = fold(clocks_set(2, naive, clock("resolution", DUE_RESOLVE)), start=base())
    assert view["sla_due"] == DUE_FIRST.astimezone(UTC)


def test_customers_never_see_routing_or_sla() -> None:
    view = fold(
        event(2, "ticket.routed", {"queue": "billing", "rule": "billing"}),
        clocks_set(3, clock("first_response", DUE_FIRST)),
        start=base(),
    )
    public = public_view(view)
    assert not {"routing", "sla", "sla_due", "sla_breached", "sla_state", "sort_sla"} & set(public)
    staff = staff_view(view)
    assert {"routing", "sla", "sla_due", "sla_breached", "sla_state"} <= set(staff)
    assert "sort_sla" not in staff


# --- nudges -------------------------------------------------------------------------------


def nudge(version: int) -> EventEnvelope:
    closes = NOW + timedelta(days=7)
    return event(
        version,
        "ticket.customer_nudged",
        {"kind": "waiting_on_customer", "closes_at": closes.isoformat()},
    )


def test_a_nudge_shows_until_someone_acts() -> None:
    view = fold(nudge(2), start=base())
    assert view["nudged"]["kind"] == "waiting_on_customer"
    assert view["nudged"]["closes_at"] == NOW + timedelta(days=7)
    assert "closes 2026-12-01 12:00 UTC" in view["history"][-1]["summary"]
    # The SLA service's bookkeeping is not activity: the nudge stays.
    view = fold(clocks_set(3, clock("resolution", None, remaining_s=60)), start=view)
    assert view["nudged"] is not None
    reply = event(
        4,
        "ticket.message_posted",
        {
            "message_id": str(uuid4()),
            "author": "customer",
            "message": "Here it is",
            "channel": "web",
        },
        actor=CUSTOMER,
    )
    assert fold(reply, start=view)["nudged"] is None


def test_a_status_change_even_by_automation_clears_the_nudge() -> None:
    closed = event(
        3,
        "ticket.status_changed",
        {"from_status": "on_hold", "to_status": "closed", "reason": "no answer in 7 days"},
    )
    view = fold(nudge(2), closed, start=base())
    assert view["nudged"] is None
    assert view["status"] == "closed"
    assert view["history"][-1]["summary"] == "Status on_hold → closed: no answer in 7 days"


# --- attachments --------------------------------------------------------------------------


def attachment(name: str) -> dict[str, Any]:
    return {
        "attachment_id": str(uuid4()),
        "filename": name,
        "content_type": "application/pdf",
        "size": 1234,
        "sha256": "ab" * 32,
    }


def test_attachments_of_a_v2_submission_and_message_join_the_thread() -> None:
    first = attachment("invoice.pdf")
    payload = dict(submitted(TICKET, "DVK-2001").payload) | {"attachments": [first]}
    view = fold(event(1, "ticket.submitted", payload, actor=CUSTOMER, schema_version=2))
    assert view["thread"][0]["attachments"] == [
        {k: first[k] for k in ("attachment_id", "filename", "content_type", "size")}
    ]
    second = attachment("screenshot.png")
    reply = event(
        2,
        "ticket.message_posted",
        {
            "message_id": str(uuid4()),
            "author": "agent",
            "message": "Note with a file",
            "channel": "web",
            "internal": True,
            "attachments": [second],
        },
        actor=AGENT,
        schema_version=2,
    )
    view = fold(reply, start=view)
    assert view["thread"][1]["attachments"][0]["filename"] == "screenshot.png"
    assert "sha256" not in view["thread"][1]["attachments"][0]
    # The note and its file stay out of the customer's copy.
    assert [m["attachments"] for m in public_view(view)["thread"]] == [
        view["thread"][0]["attachments"]
    ]


def test_a_v1_event_without_attachments_still_applies() -> None:
    view = base()  # support.events builds schema v1 envelopes
    assert staff_view(view)["thread"][0]["attachments"] == []
    assert public_view(view)["thread"][0]["attachments"] == []


def test_a_v2_payload_with_a_bad_attachment_is_refused() -> None:
    payload = dict(submitted(TICKET, "DVK-2002").payload) | {
        "attachments": [attachment("x") | {"size": -1}]
    }
    with pytest.raises(ValueError, match="attachments"):
        apply_event(None, event(1, "ticket.submitted", payload, schema_version=2))


# --- idempotence --------------------------------------------------------------------------


def test_each_new_event_applied_twice_changes_nothing() -> None:
    events = [
        event(2, "ticket.routed", {"queue": "billing", "rule": "billing"}),
        event(
            3,
            "ticket.auto_assigned",
            {"assignee": "a7", "queue": "billing", "strategy": "round_robin"},
        ),
        clocks_set(4, clock("first_response", DUE_FIRST)),
        mark(5, "warning", "first_response", DUE_FIRST),
        mark(6, "breach", "first_response", DUE_FIRST),
        nudge(7),
    ]
    view = base()
    for envelope in events:
        view = fold(envelope, start=view)
        assert apply_event(view, envelope) is None
    rebuilt = fold(*events, start=base())
    assert rebuilt == view


@pytest.mark.parametrize(
    ("later", "clears"),
    [
        (lambda: event(3, "ticket.routed", {"queue": "general", "rule": "default"}), False),
        (lambda: mark(3, "warning", "resolution", DUE_RESOLVE), False),
        (lambda: mark(3, "breach", "resolution", DUE_RESOLVE), False),
        (lambda: event(3, "ticket.tags_added", {"tags": ["vip"]}, actor=AGENT), True),
        (lambda: event(3, "ticket.priority_changed", {"from_priority": "P2",
                                                      "to_priority": "P1"}), True),
    ],
)  # fmt: skip
def test_what_clears_a_nudge_is_what_the_tickets_service_counts_as_activity(
    later: Any, clears: bool
) -> None:
    view = fold(nudge(2), later(), start=base())
    assert (view["nudged"] is None) is clears
