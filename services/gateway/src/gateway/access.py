"""Who is calling, and whether they may: the dependencies every route uses.

`CurrentPrincipal` reads `Authorization: Bearer <access token>`. No header: an anonymous
guest. A header that does not hold a valid, unexpired access token of an active account:
401 with `WWW-Authenticate: Bearer` (never a silent downgrade to anonymous). Staff accounts
become principals of kind "agent" whatever their role; customers (tracking tokens) arrive
with the customers' access issue.

Role checks: `require_roles(*roles)` answers 401 to anonymous callers and 403 to a wrong
role; `AnyStaff`, `ManagerOrAdmin` and `AdminOnly` are the common ones. Which role sees which
ticket view is `gateway.identity.roles.may_see_view`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from contracts.values import Actor
from gateway.identity.accounts import Account
from gateway.identity.roles import ROLES, Role, has_role
from gateway.identity.service import Identity
from gateway.identity.tokens import InvalidToken

__all__ = [
    "AdminOnly",
    "AnyStaff",
    "CurrentPrincipal",
    "InvalidToken",
    "ManagerOrAdmin",
    "Principal",
    "current_principal",
    "identity_dependency",
    "identity_of",
    "principal_from_token",
    "require_roles",
]


@dataclass(frozen=True)
class Principal:
    kind: Literal["anonymous", "customer", "agent"]
    id: str | None = None
    role: Role | None = None
    email: str | None = None
    name: str | None = None
    queues: tuple[str, ...] = ()

    def actor(self, acting_as: Literal["customer", "agent"]) -> Actor:
        return Actor(kind=acting_as, id=self.id)

    @property
    def is_staff(self) -> bool:
        return self.kind == "agent" and self.role is not None

    @classmethod
    def of_account(cls, account: Account) -> Principal:
        return cls(
            kind="agent",
            id=account.id,
            role=account.role,
            email=account.email,
            name=account.name,
            queues=account.queues,
        )


ANONYMOUS = Principal(kind="anonymous")

# Documents the scheme in OpenAPI (the "Authorize" button of /docs); the header itself is
# read below, so that a malformed one is refused rather than ignored.
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token from POST /api/v1/auth/login or /api/v1/auth/refresh.",
)


def identity_of(connection: HTTPConnection) -> Identity:
    identity: Identity = connection.app.state.identity
    return identity


async def identity_dependency(connection: HTTPConnection) -> Identity:
    """`identity_of` for `Depends` (async, so FastAPI does not hand it to a worker thread)."""
    return identity_of(connection)


def _unauthorized(detail: str, *, error: str | None = None) -> HTTPException:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": challenge}
    )


async def principal_from_token(connection: HTTPConnection, token: str) -> Principal:
    """The staff principal an access token speaks for; raises InvalidToken.

    For callers that do not get the token from the Authorization header (a WebSocket can
    send it as a query parameter or a first message).
    """
    account = await identity_of(connection).authenticate(token)
    return Principal.of_account(account)


async def _authenticate(
    connection: HTTPConnection,
    _: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    header = connection.headers.get("Authorization")
    if header is None:
        return ANONYMOUS
    scheme, _sep, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("expected `Authorization: Bearer <access token>`")
    try:
        return await principal_from_token(connection, token.strip())
    except InvalidToken:
        raise _unauthorized("invalid or expired access token", error="invalid_token") from None


async def current_principal(
    principal: Annotated[Principal, Depends(_authenticate)] = ANONYMOUS,
) -> Principal:
    """The caller. Called directly (outside FastAPI's dependency injection): anonymous."""
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting staff with one of `roles`: 401 anonymous, 403 anyone else."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"roles must be some of {ROLES}, not {sorted(unknown) or 'none'}")
    allowed = frozenset(roles)
    wording = " or ".join(r for r in ROLES if r in allowed)

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.kind == "anonymous":
            raise _unauthorized("sign in first")
        if not principal.is_staff or not has_role(principal.role, allowed):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"only for role {wording}")
        return principal

    check.__name__ = f"require_{'_or_'.join(r for r in ROLES if r in allowed)}"
    return check


AnyStaff = Annotated[Principal, Depends(require_roles(*ROLES))]
ManagerOrAdmin = Annotated[Principal, Depends(require_roles("manager", "admin"))]
AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]
