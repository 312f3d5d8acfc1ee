"""The envelopes every Kafka record of Dvika Care travels in.

A payload is kept as a plain mapping inside the envelope and decoded by its `type` and
`schema_version` (see `registry.py`), so a reader that meets an older version upcasts it
instead of failing, and a reader that meets an unknown type can dead-letter the record with
a reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import Field

from contracts.values import Actor, Frozen

TraceContext = dict[str, str]
"""W3C trace context (`traceparent`, `tracestate`) of the span that produced the record."""


class CommandEnvelope(Frozen):
    command_id: UUID
    type: str
    schema_version: Annotated[int, Field(ge=1)] = 1
    ticket_id: UUID
    issued_at: datetime
    actor: Actor
    # The ticket version the sender saw; None means "whatever the current version is".
    expected_version: Annotated[int, Field(ge=0)] | None = None
    correlation_id: UUID
    causation_id: UUID | None = None
    # Where the outcome is wanted: a gateway instance id, or None for fire-and-forget.
    reply_to: str | None = None
    trace: TraceContext = Field(default_factory=dict)
    payload: dict[str, Any]


class EventEnvelope(Frozen):
    event_id: UUID
    type: str
    schema_version: Annotated[int, Field(ge=1)] = 1
    ticket_id: UUID
    # Per-ticket version: 1 for the first event, then exactly +1 each time.
    version: Annotated[int, Field(ge=1)]
    occurred_at: datetime
    actor: Actor
    command_id: UUID
    correlation_id: UUID
    causation_id: UUID
    trace: TraceContext = Field(default_factory=dict)
    payload: dict[str, Any]


class CommandReply(Frozen):
    """The outcome of one command, sent to `reply_to` inside the same transaction."""

    command_id: UUID
    ticket_id: UUID
    reply_to: str
    outcome: Literal["accepted", "rejected"]
    # Ticket version after the command (accepted) or as it stands (rejected).
    version: int = 0
    reference: str | None = None
    reason: str | None = None
    # Why it was rejected, for mapping to HTTP: invalid, not_found, conflict, unsupported.
    code: str | None = None
    # A customer's message to a closed ticket opened this follow-up ticket instead.
    follow_up_ticket_id: UUID | None = None
    replied_at: datetime


class DeadLetter(Frozen):
    """A record a service could not process, kept with the reason instead of being dropped."""

    dead_letter_id: UUID = Field(default_factory=uuid4)
    service: str
    source_topic: str
    partition: int
    offset: int
    key: str | None = None
    # The record's bytes, decoded as UTF-8 with replacement so any input can be kept.
    raw: str
    reason: str
    failed_at: datetime
