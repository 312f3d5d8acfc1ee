"""What a macro is, who may see and change it, and how its placeholders fill in (pure).

Placeholders are a fixed, small set, checked when the macro is saved, so a typo is a 422 for
the person writing the macro rather than a surprise for the customer reading the reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from contracts.commands import MacroAction, MacroReply

Scope = Literal["shared", "personal"]

PLACEHOLDERS = (
    "customer.name",
    "customer.email",
    "ticket.reference",
    "ticket.subject",
    "agent.name",
)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")


class MacroRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Macro:
    id: str
    name: str
    scope: Scope
    # The account that owns a personal macro (and who created a shared one).
    owner: str
    actions: tuple[MacroAction, ...]
    created_at: datetime
    updated_at: datetime


def unknown_placeholders(actions: tuple[MacroAction, ...]) -> list[str]:
    found = {
        name
        for action in actions
        if isinstance(action, MacroReply)
        for name in _PLACEHOLDER.findall(action.message)
    }
    return sorted(found - set(PLACEHOLDERS))


def fill(actions: tuple[MacroAction, ...], values: Mapping[str, str]) -> tuple[MacroAction, ...]:
    """The actions with every reply's placeholders replaced by `values`."""

    def one(action: MacroAction) -> MacroAction:
        if not isinstance(action, MacroReply):
            return action
        text = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), action.message)
        return action.model_copy(update={"message": text})

    return tuple(one(action) for action in actions)


def placeholder_values(ticket: Mapping[str, object], agent_name: str | None) -> dict[str, str]:
    customer = ticket.get("customer")
    customer = customer if isinstance(customer, Mapping) else {}
    return {
        "customer.name": str(customer.get("name") or ""),
        "customer.email": str(customer.get("email") or ""),
        "ticket.reference": str(ticket.get("reference") or ""),
        "ticket.subject": str(ticket.get("subject") or ""),
        "agent.name": agent_name or "",
    }


def may_see(macro: Macro, account_id: str) -> bool:
    return macro.scope == "shared" or macro.owner == account_id


def may_change(macro_scope: Scope, owner: str, account_id: str, role: str | None) -> bool:
    """Managers and admins manage shared macros; anyone manages their own personal ones."""
    if macro_scope == "shared":
        return role in {"manager", "admin"}
    return owner == account_id
