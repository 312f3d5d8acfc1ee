"""The writer's state for one command partition, and what one command does to it.

`PartitionState` holds every ticket of the partition (rebuilt from the event partition when
the partition is assigned). `handle` turns one command record into an `Outcome`: the event
envelopes to append, the reply to send and, for bad input, a dead-letter reason. Changes are
staged in a `Batch` and only become the partition's state once the Kafka transaction that
carries them has committed, so an aborted transaction leaves no trace in memory either.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, TypeGuard
from uuid import UUID, uuid5

from pydantic import ValidationError

from contracts.base import Command, Event
from contracts.commands import MergeTicket, SubmitTicket
from contracts.envelopes import CommandEnvelope, CommandReply, EventEnvelope
from contracts.events import FollowUpOpened, TicketMerged, TicketSubmitted
from contracts.registry import (
    COMMANDS,
    UndecodableMessage,
    decode_event,
    parse_command_envelope,
)
from contracts.values import Customer
from tickets.domain.references import reference_for
from tickets.domain.ticket import (
    Rejected,
    Ticket,
    decide,
    evolve,
    follow_up_submission,
    merge_handover,
    remember,
)

_EVENT_IDS = UUID("0b7e4a52-95d3-4f57-8d7e-0c1f3b9a6e21")

Clock = Callable[[], datetime]


@dataclass
class PartitionState:
    partition: int
    partitions: int
    tickets: dict[UUID, Ticket] = field(default_factory=dict)
    submitted: int = 0

    def apply(self, envelope: EventEnvelope) -> None:
        """Fold one committed event into the state (used for rebuilds and after commits)."""
        current = self.tickets.get(envelope.ticket_id)
        expected = (current.version if current else 0) + 1
        if envelope.version != expected:
            raise GapInLog(envelope, expected)
        event = decode_event(envelope)
        ticket = evolve(current, event, envelope.ticket_id, envelope.version)
        self.tickets[envelope.ticket_id] = remember(ticket, envelope.command_id)
        if isinstance(event, TicketSubmitted):
            self.submitted += 1


class GapInLog(RuntimeError):
    """An event whose version is not the next one: the log is not what this writer wrote."""

    def __init__(self, envelope: EventEnvelope, expected: int) -> None:
        super().__init__(
            f"ticket {envelope.ticket_id}: event version {envelope.version}, expected {expected}"
        )


@dataclass
class Outcome:
    events: list[EventEnvelope] = field(default_factory=list)
    # Commands for other tickets, sent in the same transaction (a follow-up's submission,
    # a merged thread for the surviving ticket).
    commands: list[CommandEnvelope] = field(default_factory=list)
    reply: CommandReply | None = None
    dead_letter_reason: str | None = None


@dataclass
class Batch:
    """Changes staged over one partition's state, visible to later commands of the batch."""

    state: PartitionState
    tickets: dict[UUID, Ticket] = field(default_factory=dict)
    submitted: int = 0

    def ticket(self, ticket_id: UUID) -> Ticket | None:
        return self.tickets.get(ticket_id) or self.state.tickets.get(ticket_id)

    def commit(self) -> None:
        self.state.tickets.update(self.tickets)
        self.state.submitted += self.submitted

    def next_reference(self) -> str:
        return reference_for(
            self.state.partition, self.state.submitted + self.submitted, self.state.partitions
        )


def handle(batch: Batch, raw: bytes | None, now: Clock) -> Outcome:
    """What one command record does: events plus reply, a rejection, or a dead letter."""
    try:
        envelope = parse_command_envelope(raw or b"")
    except UndecodableMessage as error:
        return Outcome(dead_letter_reason=str(error))
    try:
        command = _decode(envelope)
    except UndecodableMessage as error:
        return Outcome(
            reply=_reply(
                envelope,
                now,
                "rejected",
                batch.ticket(envelope.ticket_id),
                str(error),
                code="invalid",
            ),
            dead_letter_reason=str(error),
        )
    ticket = batch.ticket(envelope.ticket_id)
    if ticket is not None and (earlier := ticket.version_after(envelope.command_id)) is not None:
        # A retried command: answer as the first time, append nothing.
        return Outcome(reply=_reply(envelope, now, "accepted", ticket, version=earlier))
    try:
        if envelope.expected_version is not None:
            _check_expected_version(ticket, envelope.expected_version)
        elif isinstance(command, MergeTicket):
            raise Rejected("a merge names the version its thread was copied at", code="invalid")
        events = decide(ticket, command, envelope.command_id, batch.next_reference())
    except Rejected as rejection:
        reply = _reply(envelope, now, "rejected", ticket, rejection.reason, code=rejection.code)
        # A command nobody waits for (sent by another service) must not vanish when refused.
        unheard = None if reply is not None else f"rejected ({rejection.code}): {rejection.reason}"
        return Outcome(reply=reply, dead_letter_reason=unheard)
    if not events:  # nothing to change: accepted as it stands
        return Outcome(reply=_reply(envelope, now, "accepted", ticket))
    envelopes = _envelopes(envelope, events, ticket.version if ticket else 0, now())
    commands: list[CommandEnvelope] = []
    for event_envelope, event in zip(envelopes, events, strict=True):
        if isinstance(event, FollowUpOpened) and ticket is not None:
            submission = follow_up_submission(ticket, event)
            commands.append(
                _command_for(envelope, event.follow_up_ticket_id, submission, "follow-up", now())
            )
        if isinstance(event, TicketMerged) and ticket is not None:
            assert isinstance(command, MergeTicket)
            handover = merge_handover(ticket, command)
            commands.append(_command_for(envelope, event.into_ticket_id, handover, "merge", now()))
        ticket = evolve(ticket, event, envelope.ticket_id, event_envelope.version)
        if isinstance(event, TicketSubmitted):
            batch.submitted += 1
    assert ticket is not None  # decide returned at least one event
    ticket = remember(ticket, envelope.command_id)
    batch.tickets[envelope.ticket_id] = ticket
    reply = _reply(envelope, now, "accepted", ticket)
    follow_ups = [c for c in commands if c.type == "ticket.submit"]
    if reply is not None and follow_ups:
        reply = reply.model_copy(update={"follow_up_ticket_id": follow_ups[0].ticket_id})
    return Outcome(events=envelopes, reply=reply, commands=commands)


def _decode(envelope: CommandEnvelope) -> Command:
    """The envelope's command, its customer (if any) validated once per distinct customer.

    Checking an email address (pydantic's `EmailStr`, through `email_validator`) costs more
    than all the rest of a submission, and the same customers write again and again: a
    customer already seen is put into the payload as its validated, immutable model, which
    pydantic takes as it is. Validation is a pure function of the three fields, so the result
    is the same as validating again; anything unusual takes the ordinary path.
    """
    payload = envelope.payload
    raw = payload.get("customer")
    if envelope.type == SubmitTicket.TYPE and _plain_customer(raw):
        # An invalid customer is decoded below again, for the error with the field's path.
        with suppress(ValidationError):
            customer = _customer(raw["name"], raw["email"], raw.get("phone"))
            payload = {**payload, "customer": customer}
    return COMMANDS.decode(envelope.type, envelope.schema_version, payload)


_CUSTOMER_FIELDS = frozenset({"name", "email", "phone"})


def _plain_customer(raw: object) -> TypeGuard[dict[str, Any]]:
    return (
        isinstance(raw, dict)
        and raw.keys() <= _CUSTOMER_FIELDS
        and isinstance(raw.get("name"), str)
        and isinstance(raw.get("email"), str)
        and isinstance(raw.get("phone"), str | None)
    )


@lru_cache(maxsize=4096)
def _customer(name: str, email: str, phone: str | None) -> Customer:
    # Failures are not cached (lru_cache keeps only returned values).
    return Customer(name=name, email=email, phone=phone)


def _command_for(
    cause: CommandEnvelope, ticket_id: UUID, command: Command, purpose: str, at: datetime
) -> CommandEnvelope:
    """A command for another ticket, sent in the same transaction as the events of `cause`
    (so it exists exactly once); its id derives from the cause, so a re-run sends the same."""
    return CommandEnvelope(
        command_id=uuid5(_EVENT_IDS, f"{purpose}:{cause.command_id}"),
        type=command.TYPE,
        schema_version=command.SCHEMA_VERSION,
        ticket_id=ticket_id,
        issued_at=at,
        actor=cause.actor,
        correlation_id=cause.correlation_id,
        causation_id=cause.command_id,
        trace=cause.trace,
        payload=command.model_dump(mode="json"),
    )


def _check_expected_version(ticket: Ticket | None, expected: int) -> None:
    current = ticket.version if ticket else 0
    if current != expected:
        raise Rejected(
            f"ticket is at version {current}, the command expected {expected}", code="conflict"
        )


def _envelopes(
    command: CommandEnvelope, events: list[Event], version: int, occurred_at: datetime
) -> list[EventEnvelope]:
    out = []
    for index, event in enumerate(events, start=1):
        out.append(
            EventEnvelope(
                # Derived from the command so a re-run after an abort writes the same ids.
                event_id=uuid5(_EVENT_IDS, f"{command.command_id}:{index}"),
                type=event.TYPE,
                schema_version=event.SCHEMA_VERSION,
                ticket_id=command.ticket_id,
                version=version + index,
                occurred_at=occurred_at,
                actor=command.actor,
                command_id=command.command_id,
                correlation_id=command.correlation_id,
                causation_id=command.command_id,
                trace=command.trace,
                payload=event.model_dump(mode="json"),
            )
        )
    return out


def _reply(
    envelope: CommandEnvelope,
    now: Clock,
    outcome: Literal["accepted", "rejected"],
    ticket: Ticket | None,
    reason: str | None = None,
    version: int | None = None,
    code: str | None = None,
) -> CommandReply | None:
    if envelope.reply_to is None:
        return None
    return CommandReply(
        command_id=envelope.command_id,
        ticket_id=envelope.ticket_id,
        reply_to=envelope.reply_to,
        outcome=outcome,
        version=version if version is not None else (ticket.version if ticket else 0),
        reference=ticket.reference if ticket else None,
        reason=reason,
        code=code,
        replied_at=now(),
    )
