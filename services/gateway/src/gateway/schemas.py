"""HTTP request and response bodies of the gateway (named XCreate / XRead / XCreated)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import (
    AccountId,
    Category,
    Customer,
    EscalationTier,
    MessageText,
    Priority,
    QueueKey,
    Reason,
    Subject,
    Tags,
    TicketStatus,
)


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: Customer
    category: Category = "general"
    priority: Priority = "P3"
    subject: Subject
    message: MessageText


class TicketCreated(BaseModel):
    id: UUID
    reference: str
    version: int
    # The customer's key to this ticket (send as ?token= or X-Tracking-Token); keep it secret.
    tracking_token: str
    tracking_url: str


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    author: Literal["customer", "agent"] = Field(alias="from")
    message: MessageText
    # Agents only: a note for colleagues, never shown to the customer.
    internal: bool = False


class FollowUp(BaseModel):
    """The new ticket a customer's message to a closed ticket opened, and its tracking key."""

    id: UUID
    tracking_token: str


class ReplyCreated(BaseModel):
    id: UUID
    reference: str | None
    version: int
    follow_up: FollowUp | None = None


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus
    reason: Reason | None = None


class AssignmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: AccountId | None = None
    queue: QueueKey | None = None


class TicketUpdate(BaseModel):
    """Priority, category and tags; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid")

    priority: Priority | None = None
    category: Category | None = None
    add_tags: Tags | None = None
    remove_tags: Tags | None = None


class EscalationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    tier: EscalationTier


class TicketChanged(BaseModel):
    id: UUID
    reference: str | None
    version: int


class MergeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9-]+$",
        description="The ticket (id or reference) the duplicate merges into",
        examples=["DVK-1003"],
    )


class TicketLink(BaseModel):
    id: UUID
    reference: str


class TicketMergeDone(TicketChanged):
    """The duplicate after the merge: closed, linking to the ticket it merged into."""

    merged_into: TicketLink


class Problem(BaseModel):
    """Every error answer: a reason, or FastAPI's list of field errors for invalid input."""

    detail: str | list[dict[str, Any]]


# Documented on every route, so clients (and schemathesis) know each answer's shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": description}
    for code, description in {
        400: "Bad request (e.g. a cursor that does not fit the query)",
        401: "Not logged in, or the token is invalid or expired",
        403: "Logged in, but this role may not do this",
        404: "No such ticket (or a wrong tracking token: the same answer)",
        409: "Refused by the ticket's rules, e.g. an invalid transition",
        422: "Invalid input, with the field errors",
        429: "Too many requests; see Retry-After",
        503: "The tickets service did not answer in time",
    }.items()
}
