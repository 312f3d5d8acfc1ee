"""Request and response bodies of `/api/v1/auth` and `/api/v1/admin` (no password hashes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from contracts.agents import DEFAULT_CAPACITY
from contracts.values import NonBlank
from gateway.identity.accounts import (
    CAPACITY_MAX,
    EMAIL_MAX_LENGTH,
    MAX_QUEUES_PER_ACCOUNT,
    NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    QUEUE_KEY_MAX_LENGTH,
    QUEUE_KEY_PATTERN,
    Account,
    Queue,
)
from gateway.identity.roles import Role

Password = Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)]
PersonName = Annotated[NonBlank, Field(min_length=1, max_length=NAME_MAX_LENGTH)]
QueueKey = Annotated[
    str, Field(min_length=1, max_length=QUEUE_KEY_MAX_LENGTH, pattern=QUEUE_KEY_PATTERN)
]
QueueKeys = Annotated[list[QueueKey], Field(max_length=MAX_QUEUES_PER_ACCOUNT)]
QueueName = Annotated[NonBlank, Field(min_length=1, max_length=NAME_MAX_LENGTH)]
Capacity = Annotated[
    int,
    Field(
        ge=0,
        le=CAPACITY_MAX,
        description="most open tickets load-based assignment gives this account",
    ),
]

_AGENT_EXAMPLE: dict[str, Any] = {
    "id": "6f1c2a4e-0d5b-4c61-9a57-3f0e2b8d7c19",
    "email": "agent@demo.dvika.care",
    "name": "Demo Agent",
    "role": "agent",
    "queues": ["general", "billing", "technical"],
    "active": True,
    "available": True,
    "capacity": 20,
    "created_at": "2026-01-05T09:30:00Z",
    "updated_at": "2026-01-05T09:30:00Z",
}


class _Patch(BaseModel):
    """A partial update: absent fields stay as they are, and none may be sent as null."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_nulls(self) -> _Patch:
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"fields cannot be null: {', '.join(nulls)}")
        return self


# --- /api/v1/auth ---------------------------------------------------------------------------


class LoginRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "agent@demo.dvika.care", "password": "dvika-demo"}]
        },
    )

    # Not EmailStr: a malformed email is just a wrong one (401), not a hint (422).
    email: Annotated[str, Field(min_length=1, max_length=EMAIL_MAX_LENGTH)]
    password: Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class RefreshRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"refresh_token": "eyJhbGciOi..."}]}
    )

    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class TokenPairRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOi...",
                    "refresh_token": "eyJhbGciOi...",
                    "token_type": "bearer",
                    "expires_in": 900,
                }
            ]
        }
    )

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")


# --- accounts -------------------------------------------------------------------------------


class AccountRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_AGENT_EXAMPLE]})

    id: str
    email: str
    name: str
    role: Role
    queues: list[str]
    active: bool
    available: bool = Field(description="routing assigns tickets to it (the agent's switch)")
    capacity: int = Field(description="most open tickets load-based assignment gives it")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountRead:
        return cls(
            id=account.id,
            email=account.email,
            name=account.name,
            role=account.role,
            queues=list(account.queues),
            active=account.active,
            available=account.available,
            capacity=account.capacity,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )


class AccountList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_AGENT_EXAMPLE]}]})

    items: list[AccountRead]


class AccountCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "priya@example.com",
                    "name": "Priya Raman",
                    "role": "agent",
                    "queues": ["billing"],
                    "password": "a long passphrase",
                }
            ]
        },
    )

    email: Annotated[EmailStr, Field(max_length=EMAIL_MAX_LENGTH)]
    name: PersonName
    role: Role = "agent"
    queues: QueueKeys = Field(default_factory=list)
    password: Password
    active: bool = True
    available: bool = False
    capacity: Capacity = DEFAULT_CAPACITY


class AccountUpdate(_Patch):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"role": "manager"},
                {"password": "a new passphrase"},
                {"capacity": 12},
                {"available": False},
            ]
        }
    )

    name: PersonName | None = None
    role: Role | None = None
    queues: QueueKeys | None = None
    active: bool | None = None
    available: bool | None = Field(None, description="set an agent away (or back)")
    capacity: Capacity | None = None
    password: Password | None = Field(None, description="sets a new password (a reset)")


class AvailabilityUpdate(BaseModel):
    """The agent's own switch: available for new tickets, or away."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"available": True}]})

    # Strict: "yes" or 1 is a mistake to report, not a guess to make.
    available: Annotated[bool, Field(strict=True)]


# --- queues ---------------------------------------------------------------------------------


class QueueRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "billing",
                    "name": "Billing",
                    "created_at": "2026-01-05T09:30:00Z",
                    "updated_at": "2026-01-05T09:30:00Z",
                }
            ]
        }
    )

    key: str
    name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, queue: Queue) -> QueueRead:
        return cls(
            key=queue.key, name=queue.name, created_at=queue.created_at, updated_at=queue.updated_at
        )


class QueueList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "key": "billing",
                            "name": "Billing",
                            "created_at": "2026-01-05T09:30:00Z",
                            "updated_at": "2026-01-05T09:30:00Z",
                        }
                    ]
                }
            ]
        }
    )

    items: list[QueueRead]


class QueueCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"key": "billing", "name": "Billing"}]}
    )

    key: QueueKey
    name: QueueName


class QueueUpdate(_Patch):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Billing and refunds"}]})

    name: QueueName | None = None
