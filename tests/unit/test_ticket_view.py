"""The gateway's ticket read model: idempotent by version, refusing gaps."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.envelopes import EventEnvelope
from contracts.values import Actor
from gateway.domain.ticket_view import GapInEvents, apply_event

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TICKET = uuid4()


def event(version: int, type_: str, payload: dict[str, object]) -> EventEnvelope:
    command_id = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        ticket_id=TICKET,
        version=version,
        occurred_at=NOW,
        actor=Actor(kind="customer"),
        command_id=command_id,
        correlation_id=command_id,
        causation_id=command_id,
        payload=payload,
    )


SUBMITTED = event(
    1,
    "ticket.submitted",
    {
        "reference": "DVK-1000",
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "category": "general",
        "priority": "P2",
        "subject": "Printer on fire",
        "message_id": str(uuid4()),
        "message": "Please advise",
        "channel": "web",
    },
)
REPLY = event(
    2,
    "ticket.message_posted",
    {"message_id": str(uuid4()), "author": "agent", "message": "On it", "channel": "web"},
)


def test_submission_then_reply_builds_the_thread() -> None:
    view = apply_event(apply_event(None, SUBMITTED), REPLY)
    assert view is not None
    assert view["reference"] == "DVK-1000"
    assert view["version"] == 2
    assert [m["from"] for m in view["thread"]] == ["customer", "agent"]


def test_duplicate_event_changes_nothing() -> None:
    view = apply_event(apply_event(None, SUBMITTED), REPLY)
    assert apply_event(view, REPLY) is None
    assert apply_event(view, SUBMITTED) is None


def test_gap_is_refused() -> None:
    with pytest.raises(GapInEvents):
        apply_event(None, REPLY)
