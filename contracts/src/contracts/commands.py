"""Commands on a ticket. Each travels in a `CommandEnvelope` keyed by ticket id."""

from __future__ import annotations

from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from contracts.base import Command
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


class SubmitTicket(Command):
    TYPE = "ticket.submit"

    customer: Customer
    category: Category = "general"
    priority: Priority = "P3"
    subject: Subject
    message: MessageText
    channel: Channel = "web"
    # Lets a channel that may deliver twice (mail, webhooks) be recognised as the same request.
    dedupe_key: Annotated[str, Field(max_length=200)] | None = None
    # Set when a customer wrote to a closed ticket: this ticket follows up on that one.
    follow_up_of: UUID | None = None


class PostMessage(Command):
    TYPE = "ticket.post_message"

    author: Author
    message: MessageText
    channel: Channel = "web"
    # An agent's note for colleagues only; never shown to the customer.
    internal: bool = False

    @model_validator(mode="after")
    def _only_agents_write_internal_notes(self) -> Self:
        if self.internal and self.author != "agent":
            raise ValueError("only agents write internal notes")
        return self


class ChangeStatus(Command):
    TYPE = "ticket.change_status"

    status: TicketStatus
    reason: Reason | None = None


class ChangePriority(Command):
    TYPE = "ticket.change_priority"

    priority: Priority


class ChangeCategory(Command):
    TYPE = "ticket.change_category"

    category: Category


class AddTags(Command):
    TYPE = "ticket.add_tags"

    tags: Tags


class RemoveTags(Command):
    TYPE = "ticket.remove_tags"

    tags: Tags


class AssignTicket(Command):
    """Assign to an agent, to a queue, or both; a field left out keeps its value."""

    TYPE = "ticket.assign"

    assignee: AccountId | None = None
    queue: QueueKey | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> Self:
        if self.assignee is None and self.queue is None:
            raise ValueError("name an assignee, a queue, or both")
        return self


class UnassignTicket(Command):
    TYPE = "ticket.unassign"


class EscalateTicket(Command):
    TYPE = "ticket.escalate"

    reason: Reason
    tier: EscalationTier


class MergeTicket(Command):
    """Merge this ticket (the duplicate) into another: it closes, linked to that one.

    The sender copies the duplicate's thread, as it stood at the envelope's
    `expected_version` (required), into `messages`; the tickets service refuses the merge
    if the ticket has changed since, so the copy that moves is exactly the thread.
    """

    TYPE = "ticket.merge"

    into_ticket_id: UUID
    into_reference: Annotated[str, Field(min_length=1, max_length=40)]
    messages: MergedMessages = ()


class ReceiveMergedThread(Command):
    """Sent by the tickets service to the surviving ticket when a duplicate merges into it."""

    TYPE = "ticket.receive_merged_thread"

    from_ticket_id: UUID
    from_reference: Annotated[str, Field(min_length=1, max_length=40)]
    messages: MergedMessages = ()


class RateTicket(Command):
    """The customer's satisfaction with a resolved ticket; asked again, it replaces the last."""

    TYPE = "ticket.rate"

    rating: Rating
    comment: RatingComment | None = None


COMMAND_TYPES: tuple[type[Command], ...] = (
    SubmitTicket,
    PostMessage,
    ChangeStatus,
    ChangePriority,
    ChangeCategory,
    AddTags,
    RemoveTags,
    AssignTicket,
    UnassignTicket,
    EscalateTicket,
    MergeTicket,
    ReceiveMergedThread,
    RateTicket,
)
