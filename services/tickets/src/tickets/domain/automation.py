"""What the routing and SLA services' commands do to a ticket.

Automation reacts to events it may see late, twice, or after people acted, so every command
here is safe to repeat and yields to people: routing happens once, an automatic assignment
never replaces a person's, each SLA warning and breach is recorded once per target, and an
automatic close only happens when nothing at all happened since the customer was nudged.
A command that no longer applies changes nothing rather than failing: the sender is a
machine with nobody to tell, and a refusal would only fill the dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from uuid import UUID

from contracts.base import Command, Event
from contracts.commands import (
    AutoAssignTicket,
    AutoCloseTicket,
    NudgeCustomer,
    RecordSlaBreach,
    RecordSlaWarning,
    RouteTicket,
    SetSlaClocks,
)
from contracts.events import (
    CustomerNudged,
    PriorityChanged,
    SlaBreached,
    SlaClocksSet,
    SlaWarningIssued,
    StatusChanged,
    TagsAdded,
    TicketAutoAssigned,
    TicketEscalated,
    TicketRouted,
)
from contracts.values import NudgeKind, TicketStatus
from tickets.domain.lifecycle import may_move

if TYPE_CHECKING:
    from tickets.domain.ticket import Ticket

AUTOMATION_COMMANDS: tuple[type[Command], ...] = (
    RouteTicket,
    AutoAssignTicket,
    SetSlaClocks,
    RecordSlaWarning,
    RecordSlaBreach,
    NudgeCustomer,
    AutoCloseTicket,
)

# Facts automation records about a ticket; anything else is activity that cancels a nudge.
AUTOMATION_EVENTS: tuple[type[Event], ...] = (
    TicketRouted,
    TicketAutoAssigned,
    SlaClocksSet,
    SlaWarningIssued,
    SlaBreached,
    CustomerNudged,
)

NUDGED_IN: dict[NudgeKind, TicketStatus] = {
    "resolved_inactive": "resolved",
    "waiting_on_customer": "on_hold",
}

_FINISHED: frozenset[TicketStatus] = frozenset({"resolved", "closed"})


def _route(ticket: Ticket, command: RouteTicket, _: UUID) -> list[Event]:
    if ticket.routed:
        return []
    events: list[Event] = [
        TicketRouted(queue=command.queue, rule=command.rule, matched=command.matched)
    ]
    new_tags = tuple(dict.fromkeys(t for t in command.tags if t not in ticket.tags))
    if new_tags:
        events.append(TagsAdded(tags=new_tags))
    # "P1" < "P2" as text too: routing only ever raises a priority.
    if command.priority is not None and command.priority < ticket.priority:
        events.append(PriorityChanged(from_priority=ticket.priority, to_priority=command.priority))
    if command.escalate and ticket.status != "escalated" and may_move(ticket.status, "escalated"):
        why = f" ('{command.matched}')" if command.matched else ""
        events.append(
            TicketEscalated(
                reason=f"P1 escalated at once by routing rule {command.rule}{why}",
                tier="L2",
                from_status=ticket.status,
            )
        )
    return events


def _auto_assign(ticket: Ticket, command: AutoAssignTicket, _: UUID) -> list[Event]:
    if ticket.assignee is not None or ticket.status in _FINISHED:
        return []
    return [
        TicketAutoAssigned(
            assignee=command.assignee, queue=command.queue, strategy=command.strategy
        )
    ]


def _set_clocks(ticket: Ticket, command: SetSlaClocks, _: UUID) -> list[Event]:
    return [SlaClocksSet(clocks=command.clocks)]


def _warn(ticket: Ticket, command: RecordSlaWarning, _: UUID) -> list[Event]:
    if command.target in ticket.sla_warned or command.target in ticket.sla_breached:
        return []
    return [SlaWarningIssued(target=command.target, due_at=command.due_at)]


def _breach(ticket: Ticket, command: RecordSlaBreach, _: UUID) -> list[Event]:
    if command.target in ticket.sla_breached:
        return []
    events: list[Event] = [SlaBreached(target=command.target, due_at=command.due_at)]
    if (
        command.escalate
        and ticket.status not in _FINISHED
        and ticket.status != "escalated"
        and may_move(ticket.status, "escalated")
    ):
        label = command.target.replace("_", " ")
        events.append(
            TicketEscalated(
                reason=f"{label} SLA breached (due {command.due_at.isoformat()})",
                tier="L2",
                from_status=ticket.status,
            )
        )
    return events


def _nudge(ticket: Ticket, command: NudgeCustomer, _: UUID) -> list[Event]:
    if ticket.status != NUDGED_IN[command.kind] or ticket.nudged == command.kind:
        return []
    return [CustomerNudged(kind=command.kind, closes_at=command.closes_at)]


def _auto_close(ticket: Ticket, command: AutoCloseTicket, _: UUID) -> list[Event]:
    if ticket.nudged != command.kind or ticket.status != NUDGED_IN[command.kind]:
        return []
    reason = (
        "closed automatically: resolved, and the customer did not answer the reminder"
        if command.kind == "resolved_inactive"
        else "closed automatically: waiting on the customer, who did not answer the reminder"
    )
    return [StatusChanged(from_status=ticket.status, to_status="closed", reason=reason)]


AUTOMATION_DECIDERS: dict[type[Command], Callable[[Ticket, Any, UUID], list[Event]]] = {
    RouteTicket: _route,
    AutoAssignTicket: _auto_assign,
    SetSlaClocks: _set_clocks,
    RecordSlaWarning: _warn,
    RecordSlaBreach: _breach,
    NudgeCustomer: _nudge,
    AutoCloseTicket: _auto_close,
}


def evolve_automation(ticket: Ticket, event: Event) -> Ticket:
    """The ticket after one event, as far as automation's state goes (version set by caller)."""
    match event:
        case TicketRouted(queue=queue):
            return replace(ticket, routed=True, queue=queue)
        case TicketAutoAssigned(assignee=assignee, queue=queue):
            return replace(ticket, assignee=assignee, queue=queue)
        case SlaWarningIssued(target=target):
            return replace(ticket, sla_warned=ticket.sla_warned | {target})
        case SlaBreached(target=target):
            return replace(ticket, sla_breached=ticket.sla_breached | {target})
        case CustomerNudged(kind=kind):
            return replace(ticket, nudged=kind)
        case SlaClocksSet():
            return ticket
    # Anything a person or customer did: the quiet a nudge was about is over.
    return replace(ticket, nudged=None) if ticket.nudged is not None else ticket
