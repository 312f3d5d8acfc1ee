"""Event envelopes for tests, built the way the tickets service builds them."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from contracts.envelopes import EventEnvelope
from contracts.values import Actor

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def submitted(ticket_id: UUID, reference: str, subject: str = "Printer on fire") -> EventEnvelope:
    return _event(
        ticket_id,
        1,
        "ticket.submitted",
        {
            "reference": reference,
            "customer": {"name": "Ada", "email": "ada@example.com"},
            "category": "general",
            "priority": "P2",
            "subject": subject,
            "message_id": str(uuid4()),
            "message": "Please advise",
            "channel": "web",
        },
    )


def posted(ticket_id: UUID, version: int, text: str = "On it") -> EventEnvelope:
    return _event(
        ticket_id,
        version,
        "ticket.message_posted",
        {"message_id": str(uuid4()), "author": "agent", "message": text, "channel": "web"},
    )


def _event(ticket_id: UUID, version: int, type_: str, payload: dict[str, object]) -> EventEnvelope:
    command_id = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        ticket_id=ticket_id,
        version=version,
        occurred_at=NOW,
        actor=Actor(kind="customer"),
        command_id=command_id,
        correlation_id=command_id,
        causation_id=command_id,
        payload=payload,
    )
