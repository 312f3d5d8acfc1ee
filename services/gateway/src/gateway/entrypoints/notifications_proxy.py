"""The signed-in staff member's console notifications, kept by the notify service.

- `GET /api/v1/notifications?unread_only=…&limit=…`: their items, newest first, and the unread
  count (`{"items": [...], "unread": n}`), from notify's `GET /feed/{account_id}`;
- `POST /api/v1/notifications/read` `{"keys"?: [...]}`: mark those items (their `key`, as the
  WebSocket's `notification` messages carry it) read, or all of them without `keys`; answers
  `{"unread": n}`.

Any staff role, and only ever their own account: the account id comes from the access token,
never from the caller. Notify's admin token (`DVIKA_NOTIFY_ADMIN_TOKEN`, the same variable as
notify's) goes along when set. A notify that cannot be reached, or that refuses or fails the
request, answers 503 with the reason. One `httpx.AsyncClient` per app, made at the first
request and closed with the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from gateway.access import AdminOnly, AnyStaff, Principal
from gateway.settings import GatewaySettings
from kit.tracing import TRACE_HOOKS

TIMEOUT_S = 5.0


@asynccontextmanager
async def _client_lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        client: httpx.AsyncClient | None = getattr(app.state, "notify_client", None)
        if client is not None:
            await client.aclose()


router = APIRouter(
    prefix="/api/v1/notifications",
    tags=["notifications"],
    lifespan=_client_lifespan,
    responses={
        401: {"description": "not signed in"},
        503: {"description": "the notify service cannot be reached or failed"},
    },
)


class NotificationItem(BaseModel):
    id: str | None = None
    key: str
    account_id: str
    kind: str
    ticket_id: str
    reference: str
    subject: str
    text: str
    created_at: str
    read: bool


class NotificationFeed(BaseModel):
    items: list[NotificationItem]
    unread: int


class MarkRead(BaseModel):
    # None: every item of the account.
    keys: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=300)]], Field(max_length=200)]
        | None
    ) = None


class Unread(BaseModel):
    unread: int


def _client(request: Request) -> httpx.AsyncClient:
    state = request.app.state
    client: httpx.AsyncClient | None = getattr(state, "notify_client", None)
    if client is None:
        settings: GatewaySettings = state.settings
        headers = {}
        if settings.notify_admin_token is not None:
            headers["authorization"] = f"Bearer {settings.notify_admin_token.get_secret_value()}"
        client = httpx.AsyncClient(
            base_url=settings.notify_url,
            timeout=TIMEOUT_S,
            headers=headers,
            event_hooks=TRACE_HOOKS,
        )
        state.notify_client = client
    return client


def _feed_path(principal: Principal) -> str:
    if not principal.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only for staff accounts")
    return f"/feed/{quote(principal.id, safe='')}"


async def _ask_notify(request: Request, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        answer = await _client(request).request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the notify service cannot be reached: {error!r}"
        ) from None
    if answer.status_code != status.HTTP_200_OK:
        # A refused token (401) is a misconfiguration, a 5xx notify's trouble: neither is the
        # caller's fault, and both leave the feed unavailable for now.
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the notify service answered {answer.status_code}: {answer.text[:200]}",
        )
    try:
        found: dict[str, Any] = answer.json()
    except ValueError:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "the notify service answered something not JSON"
        ) from None
    return found


@router.get("", response_model=NotificationFeed)
async def my_notifications(
    request: Request,
    principal: AnyStaff,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The caller's console notifications, newest first, and how many are unread."""
    params = {"unread_only": str(unread_only).lower(), "limit": limit}
    return await _ask_notify(request, "GET", _feed_path(principal), params=params)


@router.post("/read", response_model=Unread)
async def mark_read(request: Request, principal: AnyStaff, body: MarkRead) -> dict[str, Any]:
    """Mark the caller's items with these `keys` read (all without `keys`)."""
    path = f"{_feed_path(principal)}/read"
    return await _ask_notify(request, "POST", path, json={"keys": body.keys})


# --- admins: deliveries (mail and Slack) and their dead letters ------------------------------

admin_router = APIRouter(
    prefix="/api/v1/admin/deliveries",
    tags=["notifications"],
    responses={
        401: {"description": "not signed in"},
        403: {"description": "only for admins"},
        404: {"description": "no such delivery"},
        409: {"description": "the delivery was sent already"},
        503: {"description": "the notify service cannot be reached or failed"},
    },
)


class DeliveryList(BaseModel):
    """Notify's records of mail and Slack deliveries, newest first."""

    items: list[dict[str, Any]]


async def _ask_notify_passing(
    request: Request, method: str, path: str, **kwargs: Any
) -> dict[str, Any]:
    """Like `_ask_notify`, but notify's 404 and 409 are the caller's answer, not an outage."""
    try:
        answer = await _client(request).request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the notify service cannot be reached: {error!r}"
        ) from None
    if answer.status_code in (status.HTTP_404_NOT_FOUND, status.HTTP_409_CONFLICT):
        raise HTTPException(answer.status_code, answer.json().get("detail", answer.text[:200]))
    if answer.status_code != status.HTTP_200_OK:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the notify service answered {answer.status_code}: {answer.text[:200]}",
        )
    found: dict[str, Any] = answer.json()
    return found


@admin_router.get("", response_model=DeliveryList)
async def deliveries(
    request: Request,
    _: AdminOnly,
    delivery_status: Annotated[
        Literal["pending", "sent", "dead"] | None, Query(alias="status")
    ] = None,
    reference: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Mail and Slack deliveries (`?status=dead`: those that gave up after every retry)."""
    params: dict[str, Any] = {"limit": limit}
    if delivery_status:
        params["status"] = delivery_status
    if reference:
        params["reference"] = reference
    return await _ask_notify_passing(request, "GET", "/notifications", params=params)


@admin_router.post("/{delivery_id}/retry")
async def retry_delivery(
    request: Request,
    _: AdminOnly,
    delivery_id: Annotated[str, Path(min_length=1, max_length=100)],
) -> dict[str, Any]:
    """Send a dead delivery again (409 if it was sent already)."""
    return await _ask_notify_passing(
        request, "POST", f"/notifications/{quote(delivery_id, safe='')}/retry"
    )
