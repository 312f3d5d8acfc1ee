"""The ticket read model: one document per ticket with its thread, folded from its events.

Pure functions over plain dicts (the shape stored in MongoDB and served to clients). Applying
is idempotent by version: an event at or below the document's version is a duplicate and
changes nothing; an event that skips a version is a gap and is refused, because applying it
would serve a ticket that never existed.

Besides what clients read, a document carries fields shaped for the queries FerretDB can push
down to PostgreSQL (one equality or range plus one sort key): `customer_email`, `terms` (the
words of subject and messages, for the text query), `sort_created` / `sort_updated` (unique,
time-ordered strings for cursor pagination) and `history` (who did what, when).

Routing and SLA: `routing` says which rule placed the ticket and how it was assigned; `sla`
holds each target's clock (`first_response`, `resolution`) with its state (`met`, `paused`,
`breached`, `at_risk` or `ok`), and `sla_due` / `sla_breached` / `sla_state` / `sort_sla`
summarise them for the list's filters and the `sla_due` sort. They are derived from the
stored clocks after every event (`sla_fields`), so the document stays a pure fold of its
events whichever path (MongoDB or the listing index's JSON) it was read back from. These
fields, and a message's `attachments`, are stored only when set (FerretDB decodes every
field of every document a list query reads) and always served (`staff_view`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from contracts.base import Event
from contracts.envelopes import EventEnvelope
from contracts.events import (
    CategoryChanged,
    CustomerNudged,
    FollowUpOpened,
    MessagePosted,
    PriorityChanged,
    SlaBreached,
    SlaClocksSet,
    SlaWarningIssued,
    StatusChanged,
    TagsAdded,
    TagsRemoved,
    ThreadMerged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketMerged,
    TicketRated,
    TicketRouted,
    TicketSubmitted,
    TicketUnassigned,
)
from contracts.registry import decode_event
from contracts.values import Attachments, SlaClock

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
        if view.get("nudged") and _clears_nudge(event):
            updated.pop("nudged")
    updated["version"] = envelope.version
    updated["updated_at"] = at
    updated["sort_updated"] = sort_key(at, updated["id"])
    for name, value in sla_fields(updated).items():
        if value is None or value is False:
            updated.pop(name, None)  # stored only when set: see `SERVED_DEFAULTS`
        else:
            updated[name] = value
    updated["history"] = [*updated.get("history", []), _history_entry(envelope, event)]
    return updated


def sort_key(at: datetime, ticket_id: str) -> str:
    """Unique and ordered like (time, id): one string field FerretDB can sort and range on."""
    return f"{at.isoformat(timespec='microseconds')}|{ticket_id}"


def _submitted(envelope: EventEnvelope, event: TicketSubmitted) -> TicketView:
    ticket_id = str(envelope.ticket_id)
    at = envelope.occurred_at
    first = _message(
        envelope, str(event.message_id), "customer", event.message, False, event.attachments
    )
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
                envelope,
                str(event.message_id),
                event.author,
                event.message,
                event.internal,
                event.attachments,
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
        case TicketRouted(queue=queue, rule=rule, matched=matched):
            routing = {
                "rule": rule,
                "matched": matched,
                "queue": queue,
                "strategy": None,
                "assignee": None,
                "at": envelope.occurred_at,
            }
            return {"queue": queue, "routing": routing}
        case TicketAutoAssigned(assignee=assignee, queue=queue, strategy=strategy):
            # Assigned without a routing decision first (e.g. re-assigned by automation):
            # the rule is unknown, the rest still says why.
            routing = view.get("routing") or {
                "rule": None,
                "matched": None,
                "at": envelope.occurred_at,
            }
            routing = {**routing, "queue": queue, "strategy": strategy, "assignee": assignee}
            return {"assignee": assignee, "queue": queue, "routing": routing}
        case SlaClocksSet(clocks=clocks):
            return {"sla": _clocks_set(view.get("sla"), clocks)}
        case SlaWarningIssued(target=target, due_at=due_at):
            mark = {"warned_at": envelope.occurred_at}
            return {"sla": _mark_clock(view.get("sla"), target, due_at, mark)}
        case SlaBreached(target=target, due_at=due_at):
            mark = {"breached_at": envelope.occurred_at}
            return {"sla": _mark_clock(view.get("sla"), target, due_at, mark)}
        case CustomerNudged(kind=kind, closes_at=closes_at):
            return {"nudged": {"kind": kind, "closes_at": closes_at, "at": envelope.occurred_at}}
    return {}


# --- SLA clocks -----------------------------------------------------------------------------

SlaBlock = dict[str, dict[str, Any]]

# The worst state first: a ticket's `sla_state` is the worst of its clocks'.
SLA_STATES = ("breached", "at_risk", "ok", "paused", "met")
# After every due time: tickets with no running clock sort last under `sla_due`.
NO_SLA_DUE = "~"


def _clocks_set(previous: SlaBlock | None, clocks: tuple[SlaClock, ...]) -> SlaBlock:
    """The clocks as the SLA service now computes them; a warning or breach already recorded
    for a target stays (each happens once per target and ticket, whatever the clock does)."""
    block: SlaBlock = {}
    for clock in clocks:
        before = (previous or {}).get(clock.target) or {}
        block[clock.target] = {
            "due_at": clock.due_at,
            "policy": clock.policy,
            "target_minutes": clock.target_minutes,
            "business_hours": clock.business_hours,
            "remaining_s": clock.remaining_s,
            "met_at": clock.met_at,
            "warned_at": before.get("warned_at"),
            "breached_at": before.get("breached_at"),
        }
    return block


def _mark_clock(
    previous: SlaBlock | None, target: str, due_at: datetime, mark: dict[str, Any]
) -> SlaBlock:
    """A warning or breach on one target; one the clocks never mentioned gets a bare clock."""
    block = dict(previous or {})
    clock = block.get(target) or {
        "due_at": due_at,
        "policy": None,
        "target_minutes": None,
        "business_hours": False,
        "remaining_s": None,
        "met_at": None,
        "warned_at": None,
        "breached_at": None,
    }
    # The first mark counts: a repeat (which the tickets service never sends) changes nothing.
    block[target] = {**clock, **{k: v for k, v in mark.items() if clock.get(k) is None}}
    return block


def clock_state(clock: dict[str, Any]) -> str:
    """met | paused | breached | at_risk | ok, in that order of precedence."""
    if clock.get("met_at") is not None:
        return "met"
    if clock.get("due_at") is None:
        return "paused"
    if clock.get("breached_at") is not None:
        return "breached"
    if clock.get("warned_at") is not None:
        return "at_risk"
    return "ok"


def sla_fields(view: TicketView) -> dict[str, Any]:
    """Each clock's state, and the ticket-wide fields the list filters and sorts on."""
    block: SlaBlock | None = view.get("sla")
    clocks = {t: {**c, "state": clock_state(c)} for t, c in (block or {}).items()}
    running = [
        _utc(_as_datetime(c["due_at"]))
        for c in clocks.values()
        if c["state"] not in ("met", "paused")
    ]
    due = min(running, default=None)
    states = [c["state"] for c in clocks.values()]
    worst = min(states, key=SLA_STATES.index, default=None)
    # Milliseconds: what MongoDB keeps of a time, so a key computed again after a read-back
    # is the same key.
    sort_sla = (
        f"{due.isoformat(timespec='milliseconds')}|{view['id']}"
        if due is not None
        else f"{NO_SLA_DUE}{view['sort_created']}"
    )
    return {
        "sla": clocks or None,
        "sla_due": due,
        "sla_state": worst,
        "sla_breached": any(c.get("breached_at") is not None for c in clocks.values()),
        "sort_sla": sort_sla,
    }


def _as_datetime(value: datetime | str) -> datetime:
    """A stored time: a datetime from MongoDB, ISO text from the listing index's JSON."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _clears_nudge(event: Event) -> bool:
    """Whether this event ends a nudge's countdown: anything but automation's own
    bookkeeping, exactly as the tickets service decides whether to close a nudged ticket."""
    return not isinstance(event, _AUTOMATION_EVENTS)


_AUTOMATION_EVENTS = (
    TicketRouted,
    TicketAutoAssigned,
    SlaClocksSet,
    SlaWarningIssued,
    SlaBreached,
    CustomerNudged,
)


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
            **({"attachments": _listed(m.attachments)} if m.attachments else {}),
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
    envelope: EventEnvelope,
    message_id: str,
    author: str,
    text: str,
    internal: bool,
    attachments: Attachments = (),
) -> TicketView:
    message: TicketView = {
        "id": message_id,
        "from": author,
        "message": text,
        "internal": internal,
        "author": envelope.actor.id,
        "channel": envelope.payload.get("channel", "web"),
        "created_at": envelope.occurred_at,
    }
    if attachments:
        message["attachments"] = _listed(attachments)
    return message


def _listed(attachments: Attachments) -> list[TicketView]:
    """What the thread shows and links to of each file; the checksum stays with the file."""
    return [
        {
            "attachment_id": str(a.attachment_id),
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
        }
        for a in attachments
    ]


def _history_entry(envelope: EventEnvelope, event: Event) -> TicketView:
    change = {k: v for k, v in envelope.payload.items() if k not in _NOT_HISTORY}
    return {
        "version": envelope.version,
        "type": envelope.type,
        "at": envelope.occurred_at,
        "actor": envelope.actor.model_dump(mode="json"),
        # Entries with the same command id were one step (a macro's actions, a routing verdict).
        "command_id": str(envelope.command_id),
        "change": change,
        "summary": history_summary(event),
    }


def history_summary(event: Event) -> str:
    """One line a person reads in the ticket's history."""
    match event:
        case TicketSubmitted(channel=channel):
            return f"Ticket submitted ({channel})"
        case MessagePosted(author=author, internal=internal):
            return "Internal note added" if internal else f"Message from the {author}"
        case StatusChanged(from_status=old, to_status=new, reason=reason):
            return f"Status {old} → {new}" + (f": {reason}" if reason else "")
        case PriorityChanged(from_priority=old, to_priority=new):
            return f"Priority {old} → {new}"
        case CategoryChanged(from_category=old, to_category=new):
            return f"Category {old} → {new}"
        case TagsAdded(tags=tags):
            return f"Tagged {', '.join(tags)}"
        case TagsRemoved(tags=tags):
            return f"Tags removed: {', '.join(tags)}"
        case TicketAssigned(assignee=assignee, queue=queue):
            where = f" in queue {queue}" if queue else ""
            return f"Assigned to {assignee}{where}" if assignee else f"Moved to queue {queue}"
        case TicketUnassigned(previous_assignee=previous):
            return f"Unassigned from {previous}"
        case TicketEscalated(tier=tier, reason=reason):
            return f"Escalated to {tier}: {reason}"
        case FollowUpOpened():
            return "The customer wrote after closing: a follow-up ticket was opened"
        case TicketMerged(into_reference=reference):
            return f"Merged into {reference}"
        case ThreadMerged(from_reference=reference, messages=messages):
            return f"{len(messages)} message(s) merged from {reference}"
        case TicketRated(rating=rating):
            return f"Rated {rating} by the customer"
        case TicketRouted(queue=queue, rule=rule, matched=matched):
            why = f" (matched “{matched}”)" if matched else ""
            return f"Routed to queue {queue} by rule {rule}{why}"
        case TicketAutoAssigned(assignee=assignee, queue=queue, strategy=strategy):
            how = strategy.replace("_", "-")
            return f"Assigned to {assignee} automatically ({how}, queue {queue})"
        case SlaClocksSet(clocks=clocks):
            return "SLA: " + "; ".join(_clock_summary(c) for c in clocks)
        case SlaWarningIssued(target=target, due_at=due_at):
            return f"SLA {_target(target)} at risk: due {_when(due_at)}"
        case SlaBreached(target=target, due_at=due_at):
            return f"SLA {_target(target)} breached: was due {_when(due_at)}"
        case CustomerNudged(kind=kind, closes_at=closes_at):
            why = "resolved, no answer" if kind == "resolved_inactive" else "waiting on them"
            return f"Customer reminded ({why}); closes {_when(closes_at)} unless they answer"
    return type(event).__name__


def _clock_summary(clock: SlaClock) -> str:
    if clock.met_at is not None:
        return f"{_target(clock.target)} met {_when(clock.met_at)}"
    if clock.due_at is None:
        minutes = (clock.remaining_s or 0) // 60
        return f"{_target(clock.target)} paused, {minutes} min left"
    return f"{_target(clock.target)} due {_when(clock.due_at)} ({clock.policy})"


def _target(target: str) -> str:
    return target.replace("_", " ")


def _when(at: datetime) -> str:
    return f"{_utc(at):%Y-%m-%d %H:%M} UTC"


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


# Fields only queries use: never served.
_QUERY_FIELDS = frozenset(
    {"_id", "terms", "history", "sort_created", "sort_updated", "sort_sla", "customer_email"}
)
# How staff work (routing rules, SLA targets): not the customer's business.
_STAFF_ONLY = frozenset({"routing", "sla", "sla_due", "sla_breached", "sla_state"})


# Stored only when set, so the documents FerretDB decodes for every listed page stay small
# (most tickets have no nudge, and none has routing or SLA fields before automation runs);
# served always, so clients see one shape.
SERVED_DEFAULTS: dict[str, Any] = {
    "routing": None,
    "sla": None,
    "sla_due": None,
    "sla_breached": False,
    "sla_state": None,
    "nudged": None,
}


def public_view(view: TicketView) -> TicketView:
    """What a customer may read: no internal notes, no staff-only fields."""
    out = {k: v for k, v in _served(view).items() if k not in _STAFF_ONLY}
    out["thread"] = [m for m in out.get("thread", []) if not m.get("internal")]
    return out


def staff_view(view: TicketView) -> TicketView:
    """What agents read: everything but the query helper fields."""
    return _served(view)


def _served(view: TicketView) -> TicketView:
    out = {**SERVED_DEFAULTS, **{k: v for k, v in view.items() if k not in _QUERY_FIELDS}}
    if "thread" in out:  # listed tickets come without theirs
        out["thread"] = [{"attachments": [], **m} for m in out["thread"]]
    return out
