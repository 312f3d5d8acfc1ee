"""Events of a ticket. Each travels in an `EventEnvelope` keyed by ticket id."""

from __future__ import annotations

from uuid import UUID

from contracts.base import Event
from contracts.values import (
    Author,
    Category,
    Channel,
    Customer,
    MessageText,
    Priority,
    Subject,
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


class MessagePosted(Event):
    TYPE = "ticket.message_posted"

    message_id: UUID
    author: Author
    message: MessageText
    channel: Channel


EVENT_TYPES: tuple[type[Event], ...] = (TicketSubmitted, MessagePosted)
