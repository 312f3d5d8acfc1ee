"""Roles of staff accounts and the views each role may open (pure: no I/O).

The brief's view table, in one place: the ticket list endpoint and the access matrix test
read `VIEW_ROLES`; nothing else should restate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, Literal, cast, get_args

# editor: writes the knowledge base (with managers and admins); sees no ticket view.
Role = Literal["agent", "engineer", "manager", "admin", "editor"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)

View = Literal["my_open", "all", "escalations", "sla_breaches"]
VIEWS: Final[tuple[View, ...]] = get_args(View)

# My Open Tickets: support agents. All Tickets and SLA Breaches: managers and admins.
# Escalation Queue: managers and engineers.
VIEW_ROLES: Final[Mapping[View, frozenset[Role]]] = MappingProxyType(
    {
        "my_open": frozenset({"agent"}),
        "all": frozenset({"manager", "admin"}),
        "escalations": frozenset({"manager", "engineer"}),
        "sla_breaches": frozenset({"manager", "admin"}),
    }
)


def may_see_view(role: str | None, view: str) -> bool:
    """Whether `role` may open `view`; an unknown view or no role (anonymous) never may."""
    if role is None:
        return False
    allowed = VIEW_ROLES.get(cast(View, view))
    return allowed is not None and role in allowed


def views_for(role: str | None) -> tuple[View, ...]:
    """The views `role` may open, in the table's order."""
    return tuple(view for view in VIEWS if may_see_view(role, view))


def has_role(role: str | None, allowed: Iterable[str]) -> bool:
    """Whether `role` is one of `allowed`; no role (anonymous, customer) never is."""
    return role is not None and role in frozenset(allowed)
