"""The Ticket aggregate: decide what a command means for a ticket, and evolve by events.

`decide` never mutates: it returns the events a command causes (or raises `Rejected`).
`evolve` folds one event into the state. Replaying a ticket's events through `evolve`
rebuilds exactly the state the writer had, which is what makes the log the source of truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from uuid import UUID, uuid5

from contracts.base import Command, Event
from contracts.commands import PostMessage, SubmitTicket
from contracts.events import MessagePosted, TicketSubmitted
from contracts.values import TicketStatus

# Retries arrive within seconds; a window this long per ticket catches them without
# growing the writer's memory with every command a long-lived ticket ever received.
COMMAND_MEMORY = 256

_MESSAGE_IDS = UUID("6f1c9d0e-5a47-4c8e-9d43-2b8f0f7d1c11")


class Rejected(Exception):
    """The command is refused; `reason` is meant for the person or system that sent it."""

    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Ticket:
    ticket_id: UUID
    reference: str
    version: int
    status: TicketStatus
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
    """The events `command` causes on `ticket` (None: not created yet).

    `reference` is the public reference a new ticket would get; ignored otherwise.
    """
    if isinstance(command, SubmitTicket):
        if ticket is not None:
            raise Rejected(f"ticket {ticket.reference} already exists", code="conflict")
        return [
            TicketSubmitted(
                reference=reference,
                customer=command.customer,
                category=command.category,
                priority=command.priority,
                subject=command.subject,
                message_id=message_id_for(command_id),
                message=command.message,
                channel=command.channel,
            )
        ]
    if ticket is None:
        raise Rejected("no such ticket", code="not_found")
    if isinstance(command, PostMessage):
        if ticket.status == "closed":
            raise Rejected(f"ticket {ticket.reference} is closed", code="conflict")
        return [
            MessagePosted(
                message_id=message_id_for(command_id),
                author=command.author,
                message=command.message,
                channel=command.channel,
            )
        ]
    raise Rejected(f"the tickets service does not handle {command.TYPE!r}", code="unsupported")


def evolve(ticket: Ticket | None, event: Event, ticket_id: UUID, version: int) -> Ticket:
    """The ticket after `event`, which carries ticket version `version`."""
    if isinstance(event, TicketSubmitted):
        return Ticket(ticket_id=ticket_id, reference=event.reference, version=version, status="new")
    if ticket is None:
        raise ValueError(f"{event.TYPE} for ticket {ticket_id} before it was submitted")
    if isinstance(event, MessagePosted):
        return replace(ticket, version=version)
    return replace(ticket, version=version)


def remember(ticket: Ticket, command_id: UUID) -> Ticket:
    """Record that `command_id` led to the ticket's current version."""
    memory: Sequence[tuple[UUID, int]] = ticket.recent_commands
    if memory and memory[-1][0] == command_id:
        memory = memory[:-1]  # a command that caused several events: keep its last version
    memory = memory[-(COMMAND_MEMORY - 1) :]
    return replace(ticket, recent_commands=(*memory, (command_id, ticket.version)))
