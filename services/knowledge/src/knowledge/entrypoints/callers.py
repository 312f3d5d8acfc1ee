"""Who is calling: the gateway authenticates staff and passes the account and role along.

The knowledge service is reached only through the gateway (or by other services inside the
cluster); the gateway drops any `X-Dvika-*` header a client sent and sets its own. Public
routes never depend on these headers for what they show: drafts and archived articles are
not served by them at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from contracts.values import Actor

EDITOR_ROLES = frozenset({"editor", "manager", "admin"})
STAFF_ROLES = frozenset({"agent", "engineer", "editor", "manager", "admin"})


@dataclass(frozen=True)
class Caller:
    account: str | None
    role: str | None
    name: str | None

    @property
    def actor(self) -> Actor:
        return Actor(kind="agent", id=self.account) if self.role else Actor(kind="system")

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def caller_of(request: Request) -> Caller:
    headers = request.headers
    return Caller(
        account=headers.get("x-dvika-account") or None,
        role=headers.get("x-dvika-role") or None,
        name=headers.get("x-dvika-name") or None,
    )


def _requiring(roles: frozenset[str]) -> Callable[[Request], Caller]:
    def check(request: Request) -> Caller:
        caller = caller_of(request)
        if caller.role is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
        if caller.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"only {', '.join(sorted(roles))}")
        return caller

    return check


EditorCaller = Annotated[Caller, Depends(_requiring(EDITOR_ROLES))]
StaffCaller = Annotated[Caller, Depends(_requiring(STAFF_ROLES))]
