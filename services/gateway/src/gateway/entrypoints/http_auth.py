"""`/api/v1/auth`: staff sign in, renew, sign out, and who am I; `/api/v1/me`: the signed-in
account, and its availability switch (available for new tickets, or away).

Login answers the same 401 for an unknown email, a wrong password and a deactivated account,
after the same argon2 work, so neither the answer nor its timing tells which emails exist.
At most `DVIKA_LOGIN_ATTEMPTS_PER_MINUTE` (10) attempts per minute per client IP and per
email; more answer 429 with `Retry-After`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from gateway.access import AnyStaff, identity_dependency
from gateway.identity.rate_limit import RateLimiter
from gateway.identity.schemas import (
    AccountRead,
    AvailabilityUpdate,
    LoginRequest,
    RefreshRequest,
    TokenPairRead,
)
from gateway.identity.service import (
    Identity,
    LoginRefused,
    NotFound,
    RateLimited,
    SignIn,
    TokenRefused,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
me_router = APIRouter(prefix="/api/v1/me", tags=["auth"])

IdentityDep = Annotated[Identity, Depends(identity_dependency)]

_BAD_LOGIN = "wrong email or password"
_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong credentials, or an invalid, expired or revoked token"}
}


def _pair(sign_in: SignIn) -> TokenPairRead:
    return TokenPairRead(
        access_token=sign_in.access.token,
        refresh_token=sign_in.refresh.token,
        expires_in=sign_in.expires_in,
    )


def _refused(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


@router.post(
    "/login",
    responses={
        **_UNAUTHORIZED,
        429: {
            "description": "too many attempts from this client or for this email",
            "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
        },
    },
)
async def login(body: LoginRequest, request: Request, identity: IdentityDep) -> TokenPairRead:
    """Sign in with email and password: an access token (15 min) and a refresh token."""
    client_ip = request.client.host if request.client else "unknown"
    try:
        sign_in = await identity.login(body.email, body.password, client_ip)
    except RateLimited as limited:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many sign-in attempts; try again later",
            headers={"Retry-After": RateLimiter.retry_after_header(limited.retry_after_s)},
        ) from None
    except LoginRefused:
        raise _refused(_BAD_LOGIN) from None
    return _pair(sign_in)


@router.post("/refresh", responses=_UNAUTHORIZED)
async def refresh(body: RefreshRequest, identity: IdentityDep) -> TokenPairRead:
    """A new pair for a refresh token. Each refresh token works once (rotation)."""
    try:
        return _pair(await identity.refresh(body.refresh_token))
    except TokenRefused as refused:
        raise _refused(str(refused)) from None


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_UNAUTHORIZED)
async def logout(body: RefreshRequest, identity: IdentityDep) -> Response:
    """Revoke the sign-in of this refresh token; its access tokens expire on their own."""
    try:
        await identity.logout(body.refresh_token)
    except TokenRefused as refused:
        raise _refused(str(refused)) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", responses={**_UNAUTHORIZED, 403: {"description": "not a staff account"}})
async def me(principal: AnyStaff, identity: IdentityDep) -> AccountRead:
    """The signed-in staff account."""
    account = await identity.accounts.get(principal.id or "")
    if account is None:  # deleted between authentication and now
        raise _refused("account unknown")
    return AccountRead.of(account)


_STAFF_ONLY: dict[int | str, dict[str, Any]] = {
    **_UNAUTHORIZED,
    403: {"description": "not a staff account"},
}


@me_router.get("", responses=_STAFF_ONLY)
async def my_account(principal: AnyStaff, identity: IdentityDep) -> AccountRead:
    """The signed-in staff account, with its availability and capacity."""
    return await me(principal, identity)


@me_router.put("/availability", responses=_STAFF_ONLY)
async def set_my_availability(
    body: AvailabilityUpdate, principal: AnyStaff, identity: IdentityDep
) -> AccountRead:
    """Available for new tickets, or away: routing assigns only to available agents, and an
    agent going away keeps the tickets already assigned."""
    try:
        account = await identity.set_availability(principal.id or "", body.available)
    except NotFound:  # deleted between authentication and now
        raise _refused("account unknown") from None
    return AccountRead.of(account)
