"""Events of a ticket. Each travels in an `EventEnvelope` keyed by ticket id."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contracts.base import Event
from contracts.values import (
    AccountId,
    AssignmentStrategy,
    Attachments,
    Author,
    Category,
    Channel,
    Customer,
    EscalationTier,
    MergedMessages,
    MessageText,
    NudgeKind,
    Priority,
    QueueKey,
    Rating,
    RatingComment,
    Reason,
    RuleId,
    SlaClocks,
    SlaTarget,
    Subject,
    Tags,
    TicketStatus,
)


class TicketSubmitted(Event):
    TYPE = "ticket.submitted"
    SCHEMA_VERSION = 2  # v2 added `attachments`

    reference: str
    customer: Customer
    category: Category
    priority: Priority
    subject: Subject
    message_id: UUID
    message: MessageText
    channel: Channel
    status: TicketStatus = "new"
    follow_up_of: UUID | None = None
    attachments: Attachments = ()


class MessagePosted(Event):
    """A message on the thread. Its author's account is the envelope's `actor`."""

    TYPE = "ticket.message_posted"
    SCHEMA_VERSION = 2  # v2 added `attachments`

    message_id: UUID
    author: Author
    message: MessageText
    channel: Channel
    internal: bool = False
    attachments: Attachments = ()


class FollowUpOpened(Event):
    """A customer wrote to this closed ticket: their message opens the follow-up ticket."""

    TYPE = "ticket.follow_up_opened"

    follow_up_ticket_id: UUID
    message: MessageText
    channel: Channel


class StatusChanged(Event):
    TYPE = "ticket.status_changed"

    from_status: TicketStatus
    to_status: TicketStatus
    reason: Reason | None = None


class PriorityChanged(Event):
    TYPE = "ticket.priority_changed"

    from_priority: Priority
    to_priority: Priority


class CategoryChanged(Event):
    TYPE = "ticket.category_changed"

    from_category: Category
    to_category: Category


class TagsAdded(Event):
    TYPE = "ticket.tags_added"

    tags: Tags


class TagsRemoved(Event):
    TYPE = "ticket.tags_removed"

    tags: Tags


class TicketAssigned(Event):
    """The assignment after the change: both fields are the new values."""

    TYPE = "ticket.assigned"

    assignee: AccountId | None
    queue: QueueKey | None


class TicketUnassigned(Event):
    TYPE = "ticket.unassigned"

    previous_assignee: AccountId


class TicketEscalated(Event):
    TYPE = "ticket.escalated"

    reason: Reason
    tier: EscalationTier
    from_status: TicketStatus


class TicketMerged(Event):
    """This ticket was a duplicate: merged into another, it is closed and links to it."""

    TYPE = "ticket.merged"

    into_ticket_id: UUID
    into_reference: str
    from_status: TicketStatus


class ThreadMerged(Event):
    """A duplicate's thread joined this ticket's; each message keeps its original time."""

    TYPE = "ticket.thread_merged"

    from_ticket_id: UUID
    from_reference: str
    messages: MergedMessages


class TicketRated(Event):
    """The customer rated the help on a resolved ticket (the newest rating counts)."""

    TYPE = "ticket.rated"

    rating: Rating
    comment: RatingComment | None = None


# --- automation ---------------------------------------------------------------------------


class TicketRouted(Event):
    """The routing rules placed the ticket in `queue`; `rule` says which rule and why.

    Tags, a raised priority and a P1's escalation follow as their own events.
    """

    TYPE = "ticket.routed"

    queue: QueueKey
    rule: RuleId
    matched: str | None = None


class TicketAutoAssigned(Event):
    """Routing assigned the ticket to an available agent of its queue."""

    TYPE = "ticket.auto_assigned"

    assignee: AccountId
    queue: QueueKey
    strategy: AssignmentStrategy


class SlaClocksSet(Event):
    """The ticket's SLA targets as they now stand (due times, pauses, targets met)."""

    TYPE = "ticket.sla_clocks_set"

    clocks: SlaClocks


class SlaWarningIssued(Event):
    """A target falls due soon (30 minutes by default): the ticket is at risk."""

    TYPE = "ticket.sla_warning_issued"

    target: SlaTarget
    due_at: datetime


class SlaBreached(Event):
    TYPE = "ticket.sla_breached"

    target: SlaTarget
    due_at: datetime


class CustomerNudged(Event):
    """The customer was reminded; the ticket closes at `closes_at` unless something happens."""

    TYPE = "ticket.customer_nudged"

    kind: NudgeKind
    closes_at: datetime


EVENT_TYPES: tuple[type[Event], ...] = (
    TicketSubmitted,
    MessagePosted,
    StatusChanged,
    PriorityChanged,
    CategoryChanged,
    TagsAdded,
    TagsRemoved,
    TicketAssigned,
    TicketUnassigned,
    TicketEscalated,
    FollowUpOpened,
    TicketMerged,
    ThreadMerged,
    TicketRated,
    TicketRouted,
    TicketAutoAssigned,
    SlaClocksSet,
    SlaWarningIssued,
    SlaBreached,
    CustomerNudged,
)
