"""The console's per-agent feed: what an agent should see at once in the console, with an
unread count: a ticket assigned to them, their customer replied, their ticket's SLA is at
risk or breached.

Items are decided here like mail (same event, same key scheme: event id, `console`, account);
notify keeps them (`notify_console_feed`) and serves them over its API. Pushing them live to
the agent's WebSocket is the gateway's part (see the notify README section in the report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from contracts.base import Event
from contracts.events import (
    MessagePosted,
    SlaBreached,
    SlaWarningIssued,
    TicketAssigned,
    TicketAutoAssigned,
)
from notify.domain.notifications import idempotency_key
from notify.domain.ticket_facts import TicketFacts

_TARGETS = {"first_response": "first response", "resolution": "resolution"}


@dataclass(frozen=True)
class FeedItem:
    key: str
    account_id: str
    kind: str
    ticket_id: UUID
    reference: str
    subject: str
    text: str
    created_at: datetime


def _at(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%H:%M UTC")


def feed_items(
    *,
    event_id: UUID,
    event: Event,
    actor_id: str | None,
    occurred_at: datetime,
    before: TicketFacts | None,
    after: TicketFacts,
) -> list[FeedItem]:
    def item(account: str, kind: str, text: str) -> FeedItem:
        return FeedItem(
            key=idempotency_key(str(event_id), "console", account),
            account_id=account,
            kind=kind,
            ticket_id=after.ticket_id,
            reference=after.reference,
            subject=after.subject,
            text=text,
            created_at=occurred_at,
        )

    assignee = after.assignee
    match event:
        case TicketAssigned(assignee=str() as new) | TicketAutoAssigned(assignee=new):
            previous = before.assignee if before else None
            if new != previous and new != actor_id:
                return [item(new, "assigned", f"{after.reference} was assigned to you")]
        case MessagePosted(author="customer", internal=False) if assignee:
            text = f"{after.customer_name} replied on {after.reference}"
            return [item(assignee, "customer_replied", text)]
        case SlaWarningIssued(target=target, due_at=due_at) if assignee:
            text = f"{after.reference} at risk: {_TARGETS[target]} due {_at(due_at)}"
            return [item(assignee, "sla_warning", text)]
        case SlaBreached(target=target) if assignee:
            text = f"{after.reference} breached its {_TARGETS[target]} target"
            return [item(assignee, "sla_breached", text)]
    return []
