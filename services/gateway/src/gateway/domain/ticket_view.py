"""The ticket read model: one document per ticket with its thread, folded from its events.

Pure functions over plain dicts (the shape stored in MongoDB and sent to clients). Applying
is idempotent by version: an event at or below the document's version is a duplicate and
changes nothing; an event that skips a version is a gap and is refused, because applying it
would serve a ticket that never existed.
"""

from __future__ import annotations

from typing import Any

from contracts.envelopes import EventEnvelope
from contracts.events import MessagePosted, TicketSubmitted
from contracts.registry import decode_event

TicketView = dict[str, Any]


class GapInEvents(RuntimeError):
    """The next event of a ticket is missing; the caller retries once it has arrived."""


def apply_event(view: TicketView | None, envelope: EventEnvelope) -> TicketView | None:
    """The view after `envelope`, or None when the event was already applied."""
    current = view["version"] if view else 0
    if envelope.version <= current:
        return None
    if envelope.version != current + 1:
        raise GapInEvents(
            f"ticket {envelope.ticket_id}: have version {current}, got {envelope.version}"
        )
    event = decode_event(envelope)
    at = envelope.occurred_at
    if isinstance(event, TicketSubmitted):
        return {
            "_id": str(envelope.ticket_id),
            "id": str(envelope.ticket_id),
            "reference": event.reference,
            "customer": event.customer.model_dump(mode="json"),
            "category": event.category,
            "priority": event.priority,
            "subject": event.subject,
            "status": event.status,
            "channel": event.channel,
            "created_at": at,
            "updated_at": at,
            "version": envelope.version,
            "thread": [_message(event.message_id, "customer", event.message, event.channel, at)],
        }
    if view is None:
        raise GapInEvents(f"ticket {envelope.ticket_id}: {envelope.type} before submission")
    updated = {**view, "version": envelope.version, "updated_at": at}
    if isinstance(event, MessagePosted):
        message = _message(event.message_id, event.author, event.message, event.channel, at)
        updated["thread"] = [*view["thread"], message]
    return updated


def _message(message_id: object, author: str, text: str, channel: str, at: object) -> TicketView:
    return {"id": str(message_id), "from": author, "message": text, "channel": channel, "at": at}
