"""The Ticket aggregate: decide what a command means for a ticket, and evolve by events.

`decide` never mutates: it returns the events a command causes (none when it changes nothing)
or raises `Rejected`. `evolve` folds one event into the state. Replaying a ticket's events
through `evolve` rebuilds exactly the state the writer had: the log is the source of truth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID, uuid5

from contracts.base import Command, Event
from contracts.commands import (
    AddTags,
    ApplyMacro,
    AssignTicket,
    ChangeCategory,
    ChangePriority,
    ChangeStatus,
    EscalateTicket,
    MergeTicket,
    PostMessage,
    RateTicket,
    ReceiveMergedThread,
    RemoveTags,
    SubmitTicket,
    UnassignTicket,
)
from contracts.events import (
    CategoryChanged,
    FollowUpOpened,
    MessagePosted,
    PriorityChanged,
    StatusChanged,
    TagsAdded,
    TagsRemoved,
    ThreadMerged,
    TicketAssigned,
    TicketEscalated,
    TicketMerged,
    TicketRated,
    TicketSubmitted,
    TicketUnassigned,
)
from contracts.values import Customer, EscalationTier, NudgeKind, Priority, TicketStatus
from tickets.domain.automation import (
    AUTOMATION_COMMANDS,
    AUTOMATION_DECIDERS,
    AUTOMATION_EVENTS,
    evolve_automation,
)
from tickets.domain.lifecycle import REOPENED_BY_CUSTOMER, may_move, why_not
from tickets.domain.macros import macro_steps
from tickets.domain.rejected import Rejected

__all__ = ["Rejected", "Ticket", "decide", "evolve", "remember"]

# Retries arrive within seconds; a window this long per ticket catches them without
# growing the writer's memory with every command a long-lived ticket ever received.
COMMAND_MEMORY = 256

_MESSAGE_IDS = UUID("6f1c9d0e-5a47-4c8e-9d43-2b8f0f7d1c11")
_FOLLOW_UPS = UUID("9a4c2e1b-7d3f-4b8a-a6e5-1c0d9f8b7a64")


@dataclass(frozen=True, slots=True)
class Contact:
    """The customer as the writer keeps them: plain strings, a fraction of a pydantic model's
    memory (a partition holds every ticket it ever wrote)."""

    name: str
    email: str
    phone: str | None = None

    @classmethod
    def of(cls, customer: Customer) -> Contact:
        return cls(name=customer.name, email=str(customer.email), phone=customer.phone)

    def customer(self) -> Customer:
        return Customer(name=self.name, email=self.email, phone=self.phone)


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket_id: UUID
    reference: str
    version: int
    status: TicketStatus
    priority: Priority = "P3"
    category: str = "general"
    tags: frozenset[str] = frozenset()
    assignee: str | None = None
    queue: str | None = None
    escalation_tier: EscalationTier | None = None
    # What a follow-up ticket copies when the customer writes after closing.
    customer: Contact | None = None
    subject: str = ""
    # Automation's memory: routed once; SLA targets already warned or breached; the nudge
    # sent since the last activity.
    routed: bool = False
    sla_warned: frozenset[str] = frozenset()
    sla_breached: frozenset[str] = frozenset()
    nudged: NudgeKind | None = None
    # command id → ticket version right after it, newest last.
    recent_commands: tuple[tuple[UUID, int], ...] = field(default=())

    def version_after(self, command_id: UUID) -> int | None:
        for seen, version in self.recent_commands:
            if seen == command_id:
                return version
        return None


def message_id_for(command_id: UUID) -> UUID:
    """Stable, so a command processed again after an aborted transaction yields the same id."""
    return uuid5(_MESSAGE_IDS, str(command_id))


def decide(
    ticket: Ticket | None, command: Command, command_id: UUID, reference: str
) -> list[Event]:
    """The events `command` causes on `ticket` (None: not created yet); [] changes nothing.

    `reference` is the public reference a new ticket would get; ignored otherwise.
    """
    if isinstance(command, SubmitTicket):
        if ticket is not None:
            raise Rejected(f"ticket {ticket.reference} already exists")
        return [_submitted(command, command_id, reference)]
    if ticket is None:
        raise Rejected("no such ticket", code="not_found")
    if ticket.status == "closed":
        if isinstance(command, PostMessage) and command.author == "customer":
            return [_follow_up(command, command_id)]
        if isinstance(command, AUTOMATION_COMMANDS):
            return []  # automation that saw the ticket before it closed: nothing left to do
        raise Rejected(f"ticket {ticket.reference} is closed, which is final", code="closed")
    decider = _DECIDERS.get(type(command))
    if decider is None:
        raise Rejected(f"the tickets service does not handle {command.TYPE!r}", code="unsupported")
    return decider(ticket, command, command_id)


def _submitted(command: SubmitTicket, command_id: UUID, reference: str) -> TicketSubmitted:
    return TicketSubmitted(
        reference=reference,
        customer=command.customer,
        category=command.category,
        priority=command.priority,
        subject=command.subject,
        message_id=message_id_for(command_id),
        message=command.message,
        channel=command.channel,
        follow_up_of=command.follow_up_of,
        attachments=command.attachments,
    )


def _follow_up(command: PostMessage, command_id: UUID) -> FollowUpOpened:
    """Closed is final, so the customer's words open a new ticket linked to this one."""
    return FollowUpOpened(
        follow_up_ticket_id=follow_up_id_for(command_id),
        message=command.message,
        channel=command.channel,
    )


def follow_up_id_for(command_id: UUID) -> UUID:
    return uuid5(_FOLLOW_UPS, str(command_id))


def follow_up_submission(ticket: Ticket, event: FollowUpOpened) -> SubmitTicket:
    """The submission of the follow-up ticket that `event` announces on the closed `ticket`."""
    if ticket.customer is None:
        raise ValueError(f"ticket {ticket.ticket_id} has no customer to follow up with")
    return SubmitTicket(
        customer=ticket.customer.customer(),
        category=ticket.category,
        priority=ticket.priority,
        subject=f"Follow-up to {ticket.reference}: {ticket.subject}"[:200],
        message=event.message,
        channel=event.channel,
        follow_up_of=ticket.ticket_id,
    )


def _post(ticket: Ticket, command: PostMessage, command_id: UUID) -> list[Event]:
    events: list[Event] = [
        MessagePosted(
            message_id=message_id_for(command_id),
            author=command.author,
            message=command.message,
            channel=command.channel,
            internal=command.internal,
            attachments=command.attachments,
        )
    ]
    if command.author == "customer" and ticket.status in REOPENED_BY_CUSTOMER:
        events.append(
            StatusChanged(from_status=ticket.status, to_status="open", reason="customer replied")
        )
    return events


def _change_status(ticket: Ticket, command: ChangeStatus, _: UUID) -> list[Event]:
    if command.status == ticket.status:
        return []
    if command.status == "escalated":
        raise Rejected("escalating needs a reason and a tier: use escalate", code="invalid")
    if not may_move(ticket.status, command.status):
        raise Rejected(why_not(ticket.status, command.status))
    return [
        StatusChanged(from_status=ticket.status, to_status=command.status, reason=command.reason)
    ]


def _escalate(ticket: Ticket, command: EscalateTicket, _: UUID) -> list[Event]:
    if ticket.status == "escalated" and ticket.escalation_tier == command.tier:
        return []
    if ticket.status != "escalated" and not may_move(ticket.status, "escalated"):
        raise Rejected(why_not(ticket.status, "escalated"))
    return [TicketEscalated(reason=command.reason, tier=command.tier, from_status=ticket.status)]


def _merge(ticket: Ticket, command: MergeTicket, _: UUID) -> list[Event]:
    # Any open status may merge: a duplicate is closed whatever its progress (the lifecycle
    # table is for work on a ticket; a merge ends the ticket's own life).
    if command.into_ticket_id == ticket.ticket_id:
        raise Rejected("a ticket cannot be merged into itself", code="invalid")
    return [
        TicketMerged(
            into_ticket_id=command.into_ticket_id,
            into_reference=command.into_reference,
            from_status=ticket.status,
        )
    ]


def merge_handover(ticket: Ticket, command: MergeTicket) -> ReceiveMergedThread:
    """What the surviving ticket receives when `ticket` merges into it: the moved thread."""
    return ReceiveMergedThread(
        from_ticket_id=ticket.ticket_id,
        from_reference=ticket.reference,
        messages=command.messages,
    )


def _receive_thread(ticket: Ticket, command: ReceiveMergedThread, _: UUID) -> list[Event]:
    if command.from_ticket_id == ticket.ticket_id:
        raise Rejected("a ticket cannot take its own thread", code="invalid")
    return [
        ThreadMerged(
            from_ticket_id=command.from_ticket_id,
            from_reference=command.from_reference,
            messages=command.messages,
        )
    ]


def _rate(ticket: Ticket, command: RateTicket, _: UUID) -> list[Event]:
    # Closed tickets never get here (closed is final); a rating is for help that ended.
    if ticket.status != "resolved":
        raise Rejected(
            f"only a resolved ticket can be rated; {ticket.reference} is {ticket.status}"
        )
    return [TicketRated(rating=command.rating, comment=command.comment)]


def _change_priority(ticket: Ticket, command: ChangePriority, _: UUID) -> list[Event]:
    if command.priority == ticket.priority:
        return []
    return [PriorityChanged(from_priority=ticket.priority, to_priority=command.priority)]


def _change_category(ticket: Ticket, command: ChangeCategory, _: UUID) -> list[Event]:
    if command.category == ticket.category:
        return []
    return [CategoryChanged(from_category=ticket.category, to_category=command.category)]


def _add_tags(ticket: Ticket, command: AddTags, _: UUID) -> list[Event]:
    new = tuple(dict.fromkeys(t for t in command.tags if t not in ticket.tags))
    return [TagsAdded(tags=new)] if new else []


def _remove_tags(ticket: Ticket, command: RemoveTags, _: UUID) -> list[Event]:
    present = tuple(dict.fromkeys(t for t in command.tags if t in ticket.tags))
    return [TagsRemoved(tags=present)] if present else []


def _assign(ticket: Ticket, command: AssignTicket, _: UUID) -> list[Event]:
    assignee = command.assignee if command.assignee is not None else ticket.assignee
    queue = command.queue if command.queue is not None else ticket.queue
    if (assignee, queue) == (ticket.assignee, ticket.queue):
        return []
    return [TicketAssigned(assignee=assignee, queue=queue)]


def _unassign(ticket: Ticket, command: UnassignTicket, _: UUID) -> list[Event]:
    if ticket.assignee is None:
        return []
    return [TicketUnassigned(previous_assignee=ticket.assignee)]


def _apply_macro(ticket: Ticket, command: ApplyMacro, command_id: UUID) -> list[Event]:
    events: list[Event] = []
    working = ticket
    for step, (action, step_id) in enumerate(macro_steps(command, command_id), start=1):
        try:
            caused = _DECIDERS[type(action)](working, action, step_id)
        except Rejected as refusal:
            raise Rejected(
                f"macro {command.macro_name!r} changed nothing: step {step} "
                f"({action.TYPE}) is refused: {refusal.reason}",
                code=refusal.code,
            ) from None
        for event in caused:
            working = evolve(working, event, working.ticket_id, working.version + 1)
        events.extend(caused)
    return events


_DECIDERS: dict[type[Command], Callable[[Ticket, Any, UUID], list[Event]]] = {
    PostMessage: _post,
    ChangeStatus: _change_status,
    EscalateTicket: _escalate,
    ChangePriority: _change_priority,
    ChangeCategory: _change_category,
    AddTags: _add_tags,
    RemoveTags: _remove_tags,
    AssignTicket: _assign,
    UnassignTicket: _unassign,
    MergeTicket: _merge,
    ReceiveMergedThread: _receive_thread,
    RateTicket: _rate,
    ApplyMacro: _apply_macro,
    **AUTOMATION_DECIDERS,
}


def evolve(ticket: Ticket | None, event: Event, ticket_id: UUID, version: int) -> Ticket:
    """The ticket after `event`, which carries ticket version `version`."""
    if isinstance(event, TicketSubmitted):
        return Ticket(
            ticket_id=ticket_id,
            reference=event.reference,
            version=version,
            status=event.status,
            priority=event.priority,
            category=event.category,
            customer=Contact.of(event.customer),
            subject=event.subject,
        )
    if ticket is None:
        raise ValueError(f"{event.TYPE} for ticket {ticket_id} before it was submitted")
    ticket = replace(ticket, version=version)
    ticket = evolve_automation(ticket, event)
    if isinstance(event, AUTOMATION_EVENTS):
        return ticket
    match event:
        case StatusChanged(to_status=status):
            return replace(ticket, status=status)
        case TicketEscalated(tier=tier):
            return replace(ticket, status="escalated", escalation_tier=tier)
        case PriorityChanged(to_priority=priority):
            return replace(ticket, priority=priority)
        case CategoryChanged(to_category=category):
            return replace(ticket, category=category)
        case TagsAdded(tags=tags):
            return replace(ticket, tags=ticket.tags | set(tags))
        case TagsRemoved(tags=tags):
            return replace(ticket, tags=ticket.tags - set(tags))
        case TicketAssigned(assignee=assignee, queue=queue):
            return replace(ticket, assignee=assignee, queue=queue)
        case TicketUnassigned():
            return replace(ticket, assignee=None)
        case TicketMerged():
            return replace(ticket, status="closed")
    return ticket  # MessagePosted and ThreadMerged change only the version here


def remember(ticket: Ticket, command_id: UUID) -> Ticket:
    """Record that `command_id` led to the ticket's current version."""
    memory: Sequence[tuple[UUID, int]] = ticket.recent_commands
    if memory and memory[-1][0] == command_id:
        memory = memory[:-1]  # a command that caused several events: keep its last version
    memory = memory[-(COMMAND_MEMORY - 1) :]
    return replace(ticket, recent_commands=(*memory, (command_id, ticket.version)))
