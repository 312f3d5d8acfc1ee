"""Commands on a ticket. Each travels in a `CommandEnvelope` keyed by ticket id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, model_validator

from contracts.base import Command
from contracts.values import (
    AccountId,
    AssignmentStrategy,
    Attachments,
    Author,
    Category,
    Channel,
    Customer,
    EscalationTier,
    Frozen,
    MergedMessages,
    MessageText,
    NonBlank,
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
    Tag,
    Tags,
    TicketStatus,
)


class SubmitTicket(Command):
    TYPE = "ticket.submit"
    SCHEMA_VERSION = 2  # v2 added `attachments`

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
    attachments: Attachments = ()


class PostMessage(Command):
    TYPE = "ticket.post_message"
    SCHEMA_VERSION = 2  # v2 added `attachments`

    author: Author
    message: MessageText
    channel: Channel = "web"
    # An agent's note for colleagues only; never shown to the customer.
    internal: bool = False
    attachments: Attachments = ()

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


# --- automation: sent by the routing and SLA services, never by people ---------------------


class RouteTicket(Command):
    """The routing rules' verdict on a new ticket: its queue, tags and priority.

    A ticket is routed once; a second verdict (a re-sent command) changes nothing.
    """

    TYPE = "ticket.route"

    queue: QueueKey
    # The rule that fired, or "default" when none matched; `matched` is the text that matched.
    rule: RuleId
    matched: Annotated[str, Field(max_length=200)] | None = None
    tags: tuple[Tag, ...] = ()
    # Raised priority (never lowered by routing); None keeps the ticket's.
    priority: Priority | None = None
    # P1 tickets are escalated at once.
    escalate: bool = False


class AutoAssignTicket(Command):
    """Routing picked an agent. Ignored if someone is assigned by then: people win."""

    TYPE = "ticket.auto_assign"

    assignee: AccountId
    queue: QueueKey
    strategy: AssignmentStrategy


class SetSlaClocks(Command):
    """The SLA service's current computation of the ticket's targets."""

    TYPE = "ticket.set_sla_clocks"

    clocks: SlaClocks


class RecordSlaWarning(Command):
    """A target is about to be missed. At most one warning per target and ticket."""

    TYPE = "ticket.record_sla_warning"

    target: SlaTarget
    due_at: datetime


class RecordSlaBreach(Command):
    """A target was missed. At most one breach per target; escalates an open ticket."""

    TYPE = "ticket.record_sla_breach"

    target: SlaTarget
    due_at: datetime
    escalate: bool = True


class NudgeCustomer(Command):
    """Remind the customer before an automatic close; ignored if the ticket moved on."""

    TYPE = "ticket.nudge_customer"

    kind: NudgeKind
    closes_at: datetime


class AutoCloseTicket(Command):
    """Close a quiet ticket whose customer was nudged; ignored if anything happened since."""

    TYPE = "ticket.auto_close"

    kind: NudgeKind


# --- macros -------------------------------------------------------------------------------


class MacroReply(Frozen):
    """Post this text (placeholders already filled in); `internal` makes it a note."""

    action: Literal["reply"] = "reply"
    message: MessageText
    internal: bool = False


class MacroSetStatus(Frozen):
    action: Literal["set_status"] = "set_status"
    status: TicketStatus
    reason: Reason | None = None


class MacroSetPriority(Frozen):
    action: Literal["set_priority"] = "set_priority"
    priority: Priority


class MacroSetCategory(Frozen):
    action: Literal["set_category"] = "set_category"
    category: Category


class MacroAddTags(Frozen):
    action: Literal["add_tags"] = "add_tags"
    tags: Tags


class MacroAssign(Frozen):
    action: Literal["assign"] = "assign"
    assignee: AccountId | None = None
    queue: QueueKey | None = None


MacroAction = Annotated[
    MacroReply | MacroSetStatus | MacroSetPriority | MacroSetCategory | MacroAddTags | MacroAssign,
    Field(discriminator="action"),
]


class ApplyMacro(Command):
    """Several changes as one step: all apply, in order, or none does (the reason says why).

    The events it causes share one command id, so the history shows them together.
    """

    TYPE = "ticket.apply_macro"

    macro_id: Annotated[str, Field(min_length=1, max_length=64)]
    macro_name: Annotated[NonBlank, Field(min_length=1, max_length=120)]
    actions: Annotated[tuple[MacroAction, ...], Field(min_length=1, max_length=20)]


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
    RouteTicket,
    AutoAssignTicket,
    SetSlaClocks,
    RecordSlaWarning,
    RecordSlaBreach,
    NudgeCustomer,
    AutoCloseTicket,
    ApplyMacro,
)
