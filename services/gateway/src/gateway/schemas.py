"""HTTP request and response bodies of the gateway (named XCreate / XRead / XCreated)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import (
    MAX_ATTACHMENTS,
    AccountId,
    AssignmentStrategy,
    Category,
    Customer,
    EscalationTier,
    MessageText,
    NudgeKind,
    Priority,
    QueueKey,
    Rating,
    RatingComment,
    Reason,
    Subject,
    Tags,
    TicketStatus,
)

# Files uploaded first (POST /api/v1/attachments), named by their ids.
AttachmentIds = Annotated[list[UUID], Field(max_length=MAX_ATTACHMENTS)]


# The state of one SLA clock (`gateway.domain.ticket_view.clock_state`).
SlaState = Literal["met", "paused", "breached", "at_risk", "ok"]


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
    # Ids from POST /api/v1/attachments.
    attachments: AttachmentIds = []


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
    # Ids from POST /api/v1/attachments.
    attachments: AttachmentIds = []


class FollowUp(BaseModel):
    """The new ticket a customer's message to a closed ticket opened, and its tracking key."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "9d2e4c1a-6b3f-4e8a-b7c5-0f1e2d3c4b5a",
                    "tracking_token": "q4V7mZ0xk2W9c8RZ1bYF3Q5tN6u0HdJe",
                }
            ]
        }
    )

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
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "priority": "P1",
                    "category": "billing",
                    "add_tags": ["refund"],
                    "remove_tags": ["new-customer"],
                }
            ]
        },
    )

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
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"into": "DVK-1003"}]}
    )

    into: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9-]+$",
        description="The ticket (id or reference) the duplicate merges into",
        examples=["DVK-1003"],
    )


class TicketLink(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": "9d2e4c1a-6b3f-4e8a-b7c5-0f1e2d3c4b5a", "reference": "DVK-1004"}]
        }
    )

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


# --- the ticket as staff read it: routing, SLA clocks, nudges, attachments ------------------

ATTACHMENT_EXAMPLE: dict[str, Any] = {
    "attachment_id": "5b7d9f1e-3a2c-4e6b-8d0f-1a3c5e7b9d2f",
    "filename": "statement-november.pdf",
    "content_type": "application/pdf",
    "size": 48213,
}
ROUTING_EXAMPLE: dict[str, Any] = {
    "rule": "billing",
    "matched": "refund",
    "queue": "billing",
    "strategy": "round_robin",
    "assignee": "a1b2c3d4",
    "at": "2026-11-24T09:30:01Z",
}
SLA_EXAMPLE: dict[str, Any] = {
    "first_response": {
        "due_at": None,
        "state": "met",
        "policy": "P2",
        "target_minutes": 240,
        "business_hours": True,
        "remaining_s": None,
        "met_at": "2026-11-24T09:42:00Z",
        "warned_at": None,
        "breached_at": None,
    },
    "resolution": {
        "due_at": "2026-11-26T09:30:00Z",
        "state": "at_risk",
        "policy": "P2",
        "target_minutes": 960,
        "business_hours": True,
        "remaining_s": None,
        "met_at": None,
        "warned_at": "2026-11-26T09:00:00Z",
        "breached_at": None,
    },
}
NUDGE_EXAMPLE: dict[str, Any] = {
    "kind": "waiting_on_customer",
    "closes_at": "2026-12-01T09:42:00Z",
    "at": "2026-11-24T09:42:00Z",
}


class AttachmentRead(BaseModel):
    """A file on a message: fetch it from the attachments API by `attachment_id`."""

    model_config = ConfigDict(json_schema_extra={"examples": [ATTACHMENT_EXAMPLE]})

    attachment_id: UUID
    filename: str
    content_type: str
    size: int


class RoutingRead(BaseModel):
    """Why the ticket is where it is: the routing rule that fired and how it was assigned."""

    model_config = ConfigDict(json_schema_extra={"examples": [ROUTING_EXAMPLE]})

    rule: str | None = Field(None, description="the rule that placed it; null: not routed")
    matched: str | None = Field(None, description="the words of the ticket the rule matched")
    queue: str | None = None
    strategy: AssignmentStrategy | None = Field(None, description="null: not auto-assigned")
    assignee: str | None = Field(None, description="whom routing assigned it to")
    at: datetime | None = None


class SlaClockRead(BaseModel):
    """One SLA target. Running: `due_at` is set; paused (on hold): `remaining_s` is left."""

    model_config = ConfigDict(json_schema_extra={"examples": [SLA_EXAMPLE["resolution"]]})

    due_at: datetime | None = None
    state: SlaState
    policy: str | None = None
    target_minutes: int | None = None
    business_hours: bool = False
    remaining_s: int | None = None
    met_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None


class SlaRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SLA_EXAMPLE]})

    first_response: SlaClockRead | None = None
    resolution: SlaClockRead | None = None


class NudgeRead(BaseModel):
    """The customer was reminded: the ticket closes at `closes_at` unless something happens."""

    model_config = ConfigDict(json_schema_extra={"examples": [NUDGE_EXAMPLE]})

    kind: NudgeKind
    closes_at: datetime
    at: datetime | None = None


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
            "attachments": [ATTACHMENT_EXAMPLE],
        },
        {
            "id": "7e8f9a0b-1c2d-4e3f-a4b5-c6d7e8f9a0b1",
            "from": "agent",
            "message": "Refund issued; it shows within 3 working days.",
            "internal": False,
            "author": "a1b2c3d4",
            "channel": "web",
            "created_at": "2026-11-24T09:42:00Z",
            "attachments": [],
        },
    ],
    "created_at": "2026-11-24T09:30:00Z",
    "updated_at": "2026-11-24T09:42:00Z",
    "version": 4,
    "routing": ROUTING_EXAMPLE,
    "sla": SLA_EXAMPLE,
    "sla_due": "2026-11-26T09:30:00Z",
    "sla_breached": False,
    "sla_state": "at_risk",
    "nudged": None,
    "follow_up_of": None,
    "follow_ups": [],
    "merged_into": None,
    "merged_from": [],
}


SUMMARY_EXAMPLE: dict[str, Any] = {k: v for k, v in TICKET_EXAMPLE.items() if k != "thread"}
MESSAGE_EXAMPLE: dict[str, Any] = TICKET_EXAMPLE["thread"][0]


class TicketSummaryRead(BaseModel):
    """A listed ticket: the ticket without its thread. Fields not listed here may follow."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [SUMMARY_EXAMPLE]})

    id: str
    reference: str
    status: TicketStatus
    priority: str
    category: str
    queue: str | None = None
    tags: list[str] = Field(default_factory=list)
    assignee: str | None = None
    subject: str
    created_at: datetime
    updated_at: datetime
    version: int
    routing: RoutingRead | None = None
    sla: SlaRead | None = None
    sla_due: datetime | None = Field(
        None, description="the earliest due time of a running SLA clock; null: none runs"
    )
    sla_breached: bool = Field(False, description="an SLA target of this ticket was missed")
    sla_state: SlaState | None = Field(None, description="the worst state of its SLA clocks")
    nudged: NudgeRead | None = None


class MessageRead(BaseModel):
    """A message of the thread."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra={"examples": [MESSAGE_EXAMPLE]},
    )

    id: str
    author_kind: Literal["customer", "agent"] = Field(alias="from")
    message: str
    internal: bool = False
    author: str | None = None
    channel: str = "web"
    created_at: datetime
    attachments: list[AttachmentRead] = Field(default_factory=list)


class TicketRead(TicketSummaryRead):
    """One ticket with its thread (a customer's copy has no internal notes, routing or SLA)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [TICKET_EXAMPLE]})

    thread: list[MessageRead]


class Problem(BaseModel):
    """Every error answer: a reason, or FastAPI's list of field errors for invalid input."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"detail": "no such ticket"},
                {
                    "detail": [
                        {
                            "type": "missing",
                            "loc": ["body", "subject"],
                            "msg": "Field required",
                            "input": {},
                        }
                    ]
                },
            ]
        }
    )

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
