"""Events of a ticket. Each travels in an `EventEnvelope` keyed by ticket id."""

from __future__ import annotations

from uuid import UUID

from contracts.base import Event
from contracts.values import (
    AccountId,
    Author,
    Category,
    Channel,
    Customer,
    EscalationTier,
    MergedMessages,
    MessageText,
    Priority,
    QueueKey,
    Rating,
    RatingComment,
    Reason,
    Subject,
    Tags,
    TicketStatus,
)


class TicketSubmitted(Event):
    TYPE = "ticket.submitted"

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


class MessagePosted(Event):
    """A message on the thread. Its author's account is the envelope's `actor`."""

    TYPE = "ticket.message_posted"

    message_id: UUID
    author: Author
    message: MessageText
    channel: Channel
    internal: bool = False


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
)
