"""The console's per-agent feed: what an agent should see at once in the console, with an
unread count: a ticket assigned to them, their customer replied, their ticket's SLA is at
risk or breached.

Items are decided here like mail (same event, same key scheme: event id, `console`, account);
notify keeps them (`notify_console_feed`), serves them over its API and publishes each new one
on the notifications topic (`ConsoleNotification`), which every gateway replica passes to that
agent's open consoles.
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
from contracts.notifications import ConsoleNotification, NotificationKind
from notify.domain.notifications import idempotency_key
from notify.domain.ticket_facts import TicketFacts

_TARGETS = {"first_response": "first response", "resolution": "resolution"}


@dataclass(frozen=True)
class FeedItem:
    key: str
    account_id: str
    kind: NotificationKind
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
    def item(account: str, kind: NotificationKind, text: str) -> FeedItem:
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
            return [item(assignee, "sla_at_risk", text)]
        case SlaBreached(target=target) if assignee:
            text = f"{after.reference} breached its {_TARGETS[target]} target"
            return [item(assignee, "sla_breached", text)]
    return []


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def console_notification(item: FeedItem, unread: int) -> ConsoleNotification:
    """The item as published on the notifications topic, with the account's unread count."""
    return ConsoleNotification(
        key=item.key,
        account_id=item.account_id,
        kind=item.kind,
        ticket_id=item.ticket_id,
        # The wire limits; a ticket's own fields are shorter, but a long customer name in the
        # text must not make the item unpublishable.
        reference=_clip(item.reference, 40),
        subject=_clip(item.subject, 200),
        text=_clip(item.text, 500),
        created_at=item.created_at,
        unread=max(0, unread),
    )
