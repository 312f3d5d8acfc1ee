"""Who hears what: ticket events in, notification intents out.

Customers hear about their own ticket by email: the confirmation of a submission, every
public agent reply (never an internal note), a request for information (On Hold), the
resolution with a rating link, and the nudges before an automatic close. Agents hear by email
when a ticket is assigned to them (not when they took it themselves). The alerts channel on
Slack hears of new P1 tickets, escalations, SLA warnings and breaches. Managers get the daily
digest (`digest.py`).

Each intent is identified by its idempotency key: the causing event id, the channel and the
recipient. Notify writes the key with a unique index before sending, so the same event read
twice (at-least-once delivery, a replay) notifies once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from contracts.base import Event
from contracts.events import (
    CustomerNudged,
    MessagePosted,
    PriorityChanged,
    SlaBreached,
    SlaWarningIssued,
    StatusChanged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketSubmitted,
)
from notify.domain.links import Links
from notify.domain.roster import Roster
from notify.domain.ticket_facts import TicketFacts

NotificationChannel = Literal["email", "slack"]
Audience = Literal["customer", "agent", "manager", "alerts"]

EmailKind = Literal[
    "ticket_received",
    "agent_reply",
    "waiting_on_customer",
    "resolved",
    "nudge",
    "assigned",
    "digest",
]
SlackKind = Literal["p1_ticket", "escalated", "sla_warning", "sla_breached"]

# The one kind of mail a customer who opted out still gets: replies to their own ticket.
OPT_OUT_EXEMPT: frozenset[str] = frozenset({"agent_reply"})
# Earlier public messages shown under a reply, newest first.
THREAD_CONTEXT = 3


@dataclass(frozen=True)
class Intent:
    kind: str
    channel: NotificationChannel
    # An email address, or the Slack channel.
    recipient: str
    audience: Audience
    # What caused it: a ticket event id, or e.g. `digest:2026-11-25`.
    source_id: str
    ticket_id: UUID | None
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return idempotency_key(self.source_id, self.channel, self.recipient)


def idempotency_key(source_id: str, channel: str, recipient: str) -> str:
    return f"{source_id}:{channel}:{recipient.strip().lower()}"


def allowed(intent: Intent, opted_out: bool) -> bool:
    """A customer who opted out hears only replies to their own ticket."""
    if intent.audience != "customer" or not opted_out:
        return True
    return intent.kind in OPT_OUT_EXEMPT


def mailable(address: str, unmailable_domains: frozenset[str]) -> bool:
    """False for addresses that only name someone, such as the intake's Slack customers
    (`{user id}@slack.dvika.care`): no mailbox reads them."""
    local, at, domain = address.strip().lower().rpartition("@")
    return bool(local and at and domain) and domain not in unmailable_domains


@dataclass(frozen=True)
class Alerts:
    """Where Slack alerts go; `enabled` is False when no webhook is configured."""

    enabled: bool
    channel: str = "#dvika-care-alerts"


def _ticket_context(facts: TicketFacts, links: Links) -> dict[str, Any]:
    return {
        "ticket_id": str(facts.ticket_id),
        "reference": facts.reference,
        "subject": facts.subject,
        "customer_name": facts.customer_name,
        "customer_email": facts.customer_email,
        "priority": facts.priority,
        "status": facts.status,
        "queue": facts.queue,
        "tracking_url": links.tracking_url(facts.ticket_id, facts.reference),
        "console_url": links.console_ticket_url(facts.ticket_id),
    }


def decide(
    *,
    event_id: UUID,
    event: Event,
    actor_id: str | None,
    before: TicketFacts | None,
    after: TicketFacts,
    roster: Roster,
    links: Links,
    alerts: Alerts,
) -> list[Intent]:
    """The notifications `event` causes; `before`/`after` are the ticket's facts around it."""
    source = str(event_id)
    base = _ticket_context(after, links)

    def customer(kind: EmailKind, **extra: Any) -> Intent:
        return Intent(
            kind, "email", after.customer_email, "customer", source, after.ticket_id,
            {**base, **extra},
        )  # fmt: skip

    def slack(kind: SlackKind, **extra: Any) -> Intent:
        return Intent(
            kind, "slack", alerts.channel, "alerts", source, after.ticket_id, {**base, **extra}
        )

    found: list[Intent] = []
    match event:
        case TicketSubmitted(message=message):
            found.append(customer("ticket_received", message=message))
            if alerts.enabled and event.priority == "P1":
                found.append(slack("p1_ticket", channel=event.channel))
        case MessagePosted(author="agent", internal=False) as posted:
            agent = roster.get(actor_id) if actor_id else None
            earlier = [entry for entry in after.recent if entry.message_id != posted.message_id]
            found.append(
                customer(
                    "agent_reply",
                    message=posted.message,
                    agent_name=agent.name if agent else None,
                    thread=_thread_context(earlier),
                )
            )
        case StatusChanged(to_status="on_hold", reason=reason):
            found.append(customer("waiting_on_customer", reason=reason))
        case StatusChanged(to_status="resolved", reason=reason):
            found.append(
                customer(
                    "resolved",
                    reason=reason,
                    rating_url=links.rating_url(after.ticket_id, after.reference),
                )
            )
        case CustomerNudged(kind=nudge_kind, closes_at=closes_at):
            found.append(
                customer(
                    "nudge",
                    nudge_kind=nudge_kind,
                    closes_at=closes_at,
                    rating_url=links.rating_url(after.ticket_id, after.reference),
                )
            )
        case TicketAssigned(assignee=str() as assignee) | TicketAutoAssigned(assignee=assignee):
            previous = before.assignee if before else None
            # A ticket an agent took for themselves needs no mail to them.
            if assignee != previous and assignee != actor_id:
                found.extend(_assignment(after, assignee, event, roster, base, source))
        case PriorityChanged(from_priority=old, to_priority="P1") if old != "P1":
            if alerts.enabled:
                found.append(slack("p1_ticket", raised_from=old))
        case TicketEscalated(reason=reason, tier=tier):
            if alerts.enabled:
                found.append(slack("escalated", reason=reason, tier=tier))
        case SlaWarningIssued(target=target, due_at=due_at):
            if alerts.enabled:
                found.append(slack("sla_warning", target=target, due_at=due_at))
        case SlaBreached(target=target, due_at=due_at):
            if alerts.enabled:
                found.append(slack("sla_breached", target=target, due_at=due_at))
    return found


def _assignment(
    after: TicketFacts,
    assignee: str,
    event: Event,
    roster: Roster,
    base: Mapping[str, Any],
    source: str,
) -> list[Intent]:
    email = roster.email_of(assignee)
    if email is None:
        return []
    agent = roster.get(assignee)
    automatic = isinstance(event, TicketAutoAssigned)
    context = {
        **base,
        "agent_name": agent.name if agent else assignee,
        "assigned_by": "routing" if automatic else "a colleague",
        "message": after.recent[-1].text if after.recent else "",
    }
    return [Intent("assigned", "email", email, "agent", source, after.ticket_id, context)]


def _thread_context(earlier: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"author": entry.author, "text": entry.text, "posted_at": entry.posted_at}
        for entry in reversed(earlier[-THREAD_CONTEXT:])
    ]
