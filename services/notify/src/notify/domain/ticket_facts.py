"""What notify remembers about a ticket, folded from its events.

Only what a notification needs: who the customer is, the subject and reference, priority,
status, assignee, the last public messages (the thread's context in a reply mail) and when
the ticket was made, escalated and breached (the managers' digest).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from contracts.base import Event
from contracts.events import (
    MessagePosted,
    PriorityChanged,
    SlaBreached,
    StatusChanged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketMerged,
    TicketSubmitted,
    TicketUnassigned,
)

# Public messages kept per ticket for a reply mail's context, each cut to this length.
RECENT_MESSAGES = 5
EXCERPT_CHARS = 2000


@dataclass(frozen=True)
class ThreadEntry:
    message_id: UUID
    author: str
    text: str
    posted_at: datetime


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: UUID
    version: int
    reference: str
    customer_name: str
    customer_email: str
    subject: str
    priority: str
    status: str
    submitted_at: datetime
    assignee: str | None = None
    queue: str | None = None
    recent: tuple[ThreadEntry, ...] = ()
    escalated_at: datetime | None = None
    breached_at: datetime | None = None


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _with_message(facts: TicketFacts, entry: ThreadEntry) -> tuple[ThreadEntry, ...]:
    return (*facts.recent, entry)[-RECENT_MESSAGES:]


def facts_from_submission(
    ticket_id: UUID, version: int, occurred_at: datetime, event: TicketSubmitted
) -> TicketFacts:
    return TicketFacts(
        ticket_id=ticket_id,
        version=version,
        reference=event.reference,
        customer_name=event.customer.name,
        customer_email=str(event.customer.email),
        subject=event.subject,
        priority=event.priority,
        status=event.status,
        submitted_at=occurred_at,
        recent=(ThreadEntry(event.message_id, "customer", excerpt(event.message), occurred_at),),
    )


def fold(facts: TicketFacts, version: int, occurred_at: datetime, event: Event) -> TicketFacts:
    """The facts after `event` (ticket version `version`); events notify ignores only move
    the version on."""
    facts = replace(facts, version=version)
    match event:
        case MessagePosted(internal=False) as posted:
            entry = ThreadEntry(
                posted.message_id, posted.author, excerpt(posted.message), occurred_at
            )
            return replace(facts, recent=_with_message(facts, entry))
        case StatusChanged(to_status=status):
            return replace(facts, status=status)
        case PriorityChanged(to_priority=priority):
            return replace(facts, priority=priority)
        case TicketAssigned(assignee=assignee, queue=queue):
            return replace(facts, assignee=assignee, queue=queue)
        case TicketAutoAssigned(assignee=assignee, queue=queue):
            return replace(facts, assignee=assignee, queue=queue)
        case TicketUnassigned():
            return replace(facts, assignee=None)
        case TicketEscalated():
            return replace(facts, status="escalated", escalated_at=occurred_at)
        case SlaBreached():
            return replace(facts, breached_at=occurred_at)
        case TicketMerged():
            return replace(facts, status="closed")
    return facts
