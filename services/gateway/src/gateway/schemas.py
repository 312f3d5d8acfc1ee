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
    Rating,
    RatingComment,
    Reason,
    Subject,
    Tags,
    TicketStatus,
)


class TicketCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer": {
                        "name": "Lin Okafor",
                        "email": "lin@example.com",
                        "phone": "+44 20 7946 0000",
                    },
                    "category": "billing",
                    "priority": "P2",
                    "subject": "Charged twice for November",
                    "message": "My card shows two charges for invoice INV-2211.",
                }
            ]
        },
    )

    customer: Customer
    category: Category = "general"
    priority: Priority = "P3"
    subject: Subject
    message: MessageText
    # Where the request came from: the portal's form ("web") or the chat widget ("chat").
    channel: Literal["web", "chat"] = "web"


class TicketCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f6c2a9e-8b1d-4c57-9e0a-2d4b7c1e5f80",
                    "reference": "DVK-1004",
                    "version": 1,
                    "tracking_token": "q4V7mZ0xk2W9c8RZ1bYF3Q5tN6u0HdJe",
                    "tracking_url": "http://localhost:8080/support/track/DVK-1004?token=q4V7mZ0xk2W9c8RZ1bYF3Q5tN6u0HdJe",
                }
            ]
        }
    )

    id: UUID
    reference: str
    version: int
    # The customer's key to this ticket (send as ?token= or X-Tracking-Token); keep it secret.
    tracking_token: str
    tracking_url: str


class ReplyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "agent",
                    "message": "Refund issued; it shows within 3 working days.",
                    "internal": False,
                }
            ]
        },
    )

    author: Literal["customer", "agent"] = Field(alias="from")
    message: MessageText
    # Agents only: a note for colleagues, never shown to the customer.
    internal: bool = False


class FollowUp(BaseModel):
    """The new ticket a customer's message to a closed ticket opened, and its tracking key."""

    id: UUID
    tracking_token: str


class ReplyCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f6c2a9e-8b1d-4c57-9e0a-2d4b7c1e5f80",
                    "reference": "DVK-1004",
                    "version": 3,
                    "follow_up": None,
                }
            ]
        }
    )

    id: UUID
    reference: str | None
    version: int
    follow_up: FollowUp | None = None


class StatusUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "on_hold", "reason": "Waiting for the bank statement"}]
        },
    )

    status: TicketStatus
    reason: Reason | None = None


class AssignmentUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"assignee": "a1b2c3d4", "queue": "billing"}]},
    )

    assignee: AccountId | None = None
    queue: QueueKey | None = None


class TicketUpdate(BaseModel):
    """Priority, category and tags; a field left out keeps its value."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "priority": "P1",
                    "category": "billing",
                    "add_tags": ["refund"],
                    "remove_tags": ["new-customer"],
                }
            ]
        }
    )

    model_config = ConfigDict(extra="forbid")

    priority: Priority | None = None
    category: Category | None = None
    add_tags: Tags | None = None
    remove_tags: Tags | None = None


class EscalationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "Payment provider error needs engineering", "tier": "engineering"}
            ]
        },
    )

    reason: Reason
    tier: EscalationTier


class TicketChanged(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f6c2a9e-8b1d-4c57-9e0a-2d4b7c1e5f80",
                    "reference": "DVK-1004",
                    "version": 5,
                }
            ]
        }
    )

    id: UUID
    reference: str | None
    version: int


class RatingCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rating": "good", "comment": "Quick and kind, thanks!"}]},
    )

    rating: Rating
    comment: RatingComment | None = None


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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f6c2a9e-8b1d-4c57-9e0a-2d4b7c1e5f80",
                    "reference": "DVK-1010",
                    "version": 4,
                    "merged_into": {
                        "id": "9d2e4c1a-6b3f-4e8a-b7c5-0f1e2d3c4b5a",
                        "reference": "DVK-1004",
                    },
                }
            ]
        }
    )

    merged_into: TicketLink


# What GET /api/v1/tickets/{id} answers (staff; a customer's copy has no internal notes).
TICKET_EXAMPLE: dict[str, Any] = {
    "id": "3f6c2a9e-8b1d-4c57-9e0a-2d4b7c1e5f80",
    "reference": "DVK-1004",
    "status": "in_progress",
    "priority": "P2",
    "category": "billing",
    "queue": "billing",
    "tags": ["refund"],
    "assignee": "a1b2c3d4",
    "escalation": None,
    "customer": {"name": "Lin Okafor", "email": "lin@example.com", "phone": None},
    "subject": "Charged twice for November",
    "channel": "web",
    "thread": [
        {
            "id": "0c5d8e2f-1a3b-4c6d-8e9f-0a1b2c3d4e5f",
            "from": "customer",
            "message": "My card shows two charges for invoice INV-2211.",
            "internal": False,
            "author": "Lin Okafor",
            "channel": "web",
            "created_at": "2026-11-24T09:30:00Z",
        },
        {
            "id": "7e8f9a0b-1c2d-4e3f-a4b5-c6d7e8f9a0b1",
            "from": "agent",
            "message": "Refund issued; it shows within 3 working days.",
            "internal": False,
            "author": "a1b2c3d4",
            "channel": "web",
            "created_at": "2026-11-24T09:42:00Z",
        },
    ],
    "created_at": "2026-11-24T09:30:00Z",
    "updated_at": "2026-11-24T09:42:00Z",
    "version": 4,
    "follow_up_of": None,
    "follow_ups": [],
    "merged_into": None,
    "merged_from": [],
}


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
