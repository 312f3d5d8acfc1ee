"""The ticket read model: one document per ticket with its thread, folded from its events.

Pure functions over plain dicts (the shape stored in MongoDB and served to clients). Applying
is idempotent by version: an event at or below the document's version is a duplicate and
changes nothing; an event that skips a version is a gap and is refused, because applying it
would serve a ticket that never existed.

Besides what clients read, a document carries fields shaped for the queries FerretDB can push
down to PostgreSQL (one equality or range plus one sort key): `customer_email`, `terms` (the
words of subject and messages, for the text query), `sort_created` / `sort_updated` (unique,
time-ordered strings for cursor pagination) and `history` (who did what, when).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from contracts.envelopes import EventEnvelope
from contracts.events import (
    CategoryChanged,
    FollowUpOpened,
    MessagePosted,
    PriorityChanged,
    StatusChanged,
    TagsAdded,
    TagsRemoved,
    ThreadMerged,
    TicketAssigned,
    TicketEscalated,
    TicketMerged,
    TicketRated,
    TicketSubmitted,
    TicketUnassigned,
)
from contracts.registry import decode_event

TicketView = dict[str, Any]

# Keeps the term list bounded on very long threads; the first words of each message count.
MAX_TERMS = 2000
_WORD = re.compile(r"[\w@.+-]{2,40}", re.UNICODE)


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
        updated = _submitted(envelope, event)
    elif view is None:
        raise GapInEvents(f"ticket {envelope.ticket_id}: {envelope.type} before submission")
    else:
        updated = {**view, **_changes(view, envelope, event)}
    updated["version"] = envelope.version
    updated["updated_at"] = at
    updated["sort_updated"] = sort_key(at, updated["id"])
    updated["history"] = [*updated.get("history", []), _history_entry(envelope)]
    return updated


def sort_key(at: datetime, ticket_id: str) -> str:
    """Unique and ordered like (time, id): one string field FerretDB can sort and range on."""
    return f"{at.isoformat(timespec='microseconds')}|{ticket_id}"


def _submitted(envelope: EventEnvelope, event: TicketSubmitted) -> TicketView:
    ticket_id = str(envelope.ticket_id)
    at = envelope.occurred_at
    first = _message(envelope, str(event.message_id), "customer", event.message, False)
    first["author"] = event.customer.name
    return {
        "_id": ticket_id,
        "id": ticket_id,
        "reference": event.reference,
        "status": event.status,
        "priority": event.priority,
        "category": event.category,
        "queue": None,
        "tags": [],
        "assignee": None,
        "escalation": None,
        "customer": event.customer.model_dump(mode="json"),
        "customer_email": event.customer.email.lower(),
        "subject": event.subject,
        "channel": event.channel,
        "thread": [first],
        "terms": _terms([], event.subject, event.message),
        "created_at": at,
        "sort_created": sort_key(at, ticket_id),
        "follow_up_of": None if event.follow_up_of is None else str(event.follow_up_of),
        "follow_ups": [],
        "merged_into": None,
        "merged_from": [],
        "satisfaction": None,
    }


def _changes(view: TicketView, envelope: EventEnvelope, event: object) -> dict[str, Any]:
    match event:
        case MessagePosted():
            message = _message(
                envelope, str(event.message_id), event.author, event.message, event.internal
            )
            changes: dict[str, Any] = {"thread": [*view["thread"], message]}
            if not event.internal:  # notes are not searchable by what customers may see
                changes["terms"] = _terms(view["terms"], event.message)
            return changes
        case StatusChanged(to_status=status):
            return {"status": status}
        case TicketEscalated(tier=tier, reason=reason):
            escalation = {"tier": tier, "reason": reason, "at": envelope.occurred_at}
            return {"status": "escalated", "escalation": escalation}
        case PriorityChanged(to_priority=priority):
            return {"priority": priority}
        case CategoryChanged(to_category=category):
            return {"category": category}
        case TagsAdded(tags=tags):
            return {"tags": [*view["tags"], *(t for t in tags if t not in view["tags"])]}
        case TagsRemoved(tags=tags):
            return {"tags": [t for t in view["tags"] if t not in tags]}
        case TicketAssigned(assignee=assignee, queue=queue):
            return {"assignee": assignee, "queue": queue}
        case TicketUnassigned():
            return {"assignee": None}
        case FollowUpOpened(follow_up_ticket_id=follow_up):
            return {"follow_ups": [*view.get("follow_ups", []), str(follow_up)]}
        case TicketMerged(into_ticket_id=into, into_reference=reference):
            return {"status": "closed", "merged_into": {"id": str(into), "reference": reference}}
        case ThreadMerged():
            return _thread_merged(view, event)
        case TicketRated(rating=rating, comment=comment):
            at = envelope.occurred_at
            return {"satisfaction": {"rating": rating, "comment": comment, "at": at}}
    return {}


def _thread_merged(view: TicketView, event: ThreadMerged) -> dict[str, Any]:
    """The duplicate's messages join the thread in time order, each saying where it came from."""
    moved = [
        {
            "id": str(m.message_id),
            "from": m.author,
            "message": m.message,
            "internal": m.internal,
            "author": m.written_by,
            "channel": m.channel,
            "created_at": m.posted_at,
            "merged_from": event.from_reference,
        }
        for m in event.messages
    ]
    known = {m["id"] for m in view["thread"]}
    thread = [*view["thread"], *(m for m in moved if m["id"] not in known)]
    thread.sort(key=lambda m: _utc(m["created_at"]))  # stable: equal times keep their order
    public = [m.message for m in event.messages if not m.internal]
    source = {"id": str(event.from_ticket_id), "reference": event.from_reference}
    return {
        "thread": thread,
        "terms": _terms(view["terms"], event.from_reference, *public),
        "merged_from": [*view.get("merged_from", []), source],
    }


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _message(
    envelope: EventEnvelope, message_id: str, author: str, text: str, internal: bool
) -> TicketView:
    return {
        "id": message_id,
        "from": author,
        "message": text,
        "internal": internal,
        "author": envelope.actor.id,
        "channel": envelope.payload.get("channel", "web"),
        "created_at": envelope.occurred_at,
    }


def _history_entry(envelope: EventEnvelope) -> TicketView:
    change = {k: v for k, v in envelope.payload.items() if k not in _NOT_HISTORY}
    return {
        "version": envelope.version,
        "type": envelope.type,
        "at": envelope.occurred_at,
        "actor": envelope.actor.model_dump(mode="json"),
        "change": change,
    }


# Bodies and contact details live in the thread and the customer block, not in the history.
_NOT_HISTORY = frozenset({"message", "customer", "message_id", "messages"})


def _terms(existing: list[str], *texts: str) -> list[str]:
    seen = dict.fromkeys(existing)
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if len(seen) >= MAX_TERMS:
                return list(seen)
            seen.setdefault(word.strip(".-+"), None)
    return [t for t in seen if t]


def public_view(view: TicketView) -> TicketView:
    """What a customer may read: no internal notes, no staff-only fields."""
    hidden = {"_id", "terms", "history", "sort_created", "sort_updated", "customer_email"}
    out = {k: v for k, v in view.items() if k not in hidden}
    out["thread"] = [m for m in view["thread"] if not m.get("internal")]
    return out


def staff_view(view: TicketView) -> TicketView:
    """What agents read: everything but the query helper fields."""
    hidden = {"_id", "terms", "history", "sort_created", "sort_updated", "customer_email"}
    return {k: v for k, v in view.items() if k not in hidden}
