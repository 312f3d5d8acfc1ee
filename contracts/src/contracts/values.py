"""Value types used inside commands and events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, EmailStr, Field

Channel = Literal["web", "email", "chat", "slack", "api", "kafka"]
TicketStatus = Literal["new", "open", "in_progress", "on_hold", "escalated", "resolved", "closed"]
Author = Literal["customer", "agent"]

# The brief's forms speak of low/normal/high/urgent; the wire speaks P1-P4.
_PRIORITY_ALIASES = {"urgent": "P1", "high": "P2", "normal": "P3", "medium": "P3", "low": "P4"}


def _normalise_priority(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        return _PRIORITY_ALIASES.get(text.lower(), text.upper())
    return value


Priority = Annotated[Literal["P1", "P2", "P3", "P4"], BeforeValidator(_normalise_priority)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


NonBlank = Annotated[str, AfterValidator(_not_blank)]
Subject = Annotated[NonBlank, Field(min_length=1, max_length=200)]
MessageText = Annotated[NonBlank, Field(min_length=1, max_length=20_000)]
Category = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
QueueKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Tag = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Tags = Annotated[tuple[Tag, ...], Field(min_length=1, max_length=20)]
AccountId = Annotated[str, Field(min_length=1, max_length=64)]
Reason = Annotated[NonBlank, Field(min_length=1, max_length=2000)]
EscalationTier = Literal["L2", "engineering"]
Rating = Literal["good", "bad"]
RatingComment = Annotated[str, Field(max_length=2000)]
# The two promises an SLA policy makes about a ticket.
SlaTarget = Literal["first_response", "resolution"]
# How automatic assignment picked the agent.
AssignmentStrategy = Literal["round_robin", "load_based"]
# Why the customer was nudged before an automatic close.
NudgeKind = Literal["resolved_inactive", "waiting_on_customer"]
RuleId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Customer(Frozen):
    name: Annotated[NonBlank, Field(min_length=1, max_length=120)]
    email: EmailStr
    phone: Annotated[str, Field(max_length=40, pattern=r"^[0-9+() .-]*$")] | None = None


class Attachment(Frozen):
    """A file kept in attachment storage; the thread carries this reference, never the bytes."""

    attachment_id: UUID
    filename: Annotated[NonBlank, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=3, max_length=127)]
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


MAX_ATTACHMENTS = 10
Attachments = Annotated[tuple[Attachment, ...], Field(max_length=MAX_ATTACHMENTS)]


class MergedMessage(Frozen):
    """A message of a duplicate ticket's thread, as it moves to the ticket it was merged into."""

    message_id: UUID
    author: Author
    # The account or name the message was written by, as the duplicate's thread showed it.
    written_by: Annotated[str, Field(max_length=120)] | None = None
    message: MessageText
    internal: bool = False
    channel: Channel = "web"
    posted_at: datetime
    # The files the message carried (kept where they are: the thread names them again).
    # Absent from merges made before it existed, which moved no files.
    attachments: Attachments = ()


# A thread longer than this is not merged in one event (a Kafka record stays well under 1 MB).
MAX_MERGED_MESSAGES = 40
MergedMessages = Annotated[tuple[MergedMessage, ...], Field(max_length=MAX_MERGED_MESSAGES)]


class Actor(Frozen):
    """Who caused a command: a customer, an agent, a partner system or the system itself."""

    kind: Literal["customer", "agent", "partner", "system"]
    id: str | None = None


class SlaClock(Frozen):
    """One SLA target of a ticket as the SLA service computed it.

    Running: `due_at` is set. Paused (On Hold): `due_at` is None and `remaining_s` holds the
    time left, in the policy's units (business or calendar seconds). Met: `met_at` is set.
    """

    target: SlaTarget
    # The policy that set it, e.g. "P1" or "billing/P1", and its target length in minutes.
    policy: Annotated[str, Field(min_length=1, max_length=80)]
    target_minutes: Annotated[int, Field(ge=1)]
    business_hours: bool = False
    due_at: datetime | None = None
    remaining_s: Annotated[int, Field(ge=0)] | None = None
    met_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return self.due_at is None and self.met_at is None


SlaClocks = Annotated[tuple[SlaClock, ...], Field(min_length=1, max_length=4)]
