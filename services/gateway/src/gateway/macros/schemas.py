"""Request and response bodies of the macros API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from contracts.commands import MacroAction
from contracts.values import NonBlank
from gateway.macros.rules import Macro, Scope

MacroName = Annotated[NonBlank, Field(min_length=1, max_length=120)]
MacroActions = Annotated[tuple[MacroAction, ...], Field(min_length=1, max_length=20)]

_EXAMPLE_ACTIONS: list[JsonValue] = [
    {
        "action": "reply",
        "message": "Hi {{customer.name}}, could you send us the logs for {{ticket.reference}}?",
    },
    {"action": "reply", "message": "Asked for logs.", "internal": True},
    {"action": "set_status", "status": "on_hold", "reason": "waiting for logs"},
]


class MacroCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Ask for logs", "scope": "shared", "actions": _EXAMPLE_ACTIONS}]
        },
    )

    name: MacroName
    scope: Scope = "personal"
    actions: MacroActions


class MacroUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Ask for the logs again"}]}
    )

    name: MacroName | None = None
    actions: MacroActions | None = None


class MacroOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5f0c1d2e3a4b4c6d8e9f0a1b2c3d4e5f",
                    "name": "Ask for logs",
                    "scope": "shared",
                    "owner": "6650c0ffee0000000000a001",
                    "actions": _EXAMPLE_ACTIONS,
                    "created_at": "2026-11-25T09:00:00Z",
                    "updated_at": "2026-11-25T09:00:00Z",
                }
            ]
        }
    )

    id: str
    name: str
    scope: Scope
    owner: str
    actions: tuple[MacroAction, ...]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, macro: Macro) -> MacroOut:
        return cls(
            id=macro.id,
            name=macro.name,
            scope=macro.scope,
            owner=macro.owner,
            actions=macro.actions,
            created_at=macro.created_at,
            updated_at=macro.updated_at,
        )
