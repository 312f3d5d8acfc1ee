"""Notify's HTTP API (its own port, for admins and the gateway, not the public):

- `GET /notifications?status=dead&ticket_id=…&reference=…&recipient=…&limit=…`: records,
  newest first (without their HTML body);
- `GET /notifications/{id}`: one record, whole;
- `POST /notifications/{id}/retry`: a dead (or pending) one is tried again at once;
- `POST /digests/run`: the managers' digest of the last day, now (once per day: the
  scheduled one of the same day is then not made again);
- `GET /feed/{account_id}?unread_only=…&limit=…`: an agent's console notifications, newest
  first, with the unread count; `POST /feed/{account_id}/read {"ids"?, "keys"?}`: mark
  read (all without ids or keys; `keys` are the items' idempotency keys, as published);
- `POST /optout {"email"}`, `DELETE /optout/{email}`, `GET /optout/{email}`: a customer's
  opt-out of everything but replies to their own ticket.

With `DVIKA_NOTIFY_ADMIN_TOKEN` set, the /notifications routes need it as a bearer token.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, EmailStr, Field

from notify.adapters.console_feed_store import ConsoleFeedStore
from notify.adapters.notification_store import NotificationStore
from notify.adapters.optout_store import OptOutStore, normalise

router = APIRouter()


@dataclass(frozen=True)
class ApiState:
    notifications: NotificationStore
    optouts: OptOutStore
    feed: ConsoleFeedStore
    clock: Callable[[], datetime]
    admin_token: str | None
    wake_sender: Callable[[], None]
    # Makes today's digest now; returns how many digest mails were new.
    run_digest: Callable[[], Awaitable[int]]


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.notify_api
    return state


State = Annotated[ApiState, Depends(_state)]


def _admin(state: State, authorization: Annotated[str | None, Header()] = None) -> None:
    if state.admin_token is None:
        return
    expected = f"Bearer {state.admin_token}".encode()
    if authorization is None or not hmac.compare_digest(authorization.encode(), expected):
        raise HTTPException(401, "a valid bearer token is required")


Admin = Depends(_admin)


def _public(document: dict[str, Any], *, whole: bool = False) -> dict[str, Any]:
    shown = {("id" if key == "_id" else key): value for key, value in document.items()}
    if not whole and isinstance(shown.get("email"), dict):
        shown["email"] = {k: v for k, v in shown["email"].items() if k not in ("html", "text")}
    return shown


@router.get("/notifications", dependencies=[Admin])
async def list_notifications(
    state: State,
    status: Literal["pending", "sent", "dead"] | None = None,
    ticket_id: str | None = None,
    reference: str | None = None,
    recipient: str | None = None,
    channel: Literal["email", "slack"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if status:
        filters["status"] = status
    if ticket_id:
        filters["ticket_id"] = ticket_id
    if reference:
        filters["reference"] = reference.upper()
    if recipient:
        filters["recipient"] = recipient
    if channel:
        filters["channel"] = channel
    found = await state.notifications.find(filters, limit)
    return {"items": [_public(document) for document in found]}


@router.get("/notifications/{notification_id}", dependencies=[Admin])
async def get_notification(notification_id: str, state: State) -> dict[str, Any]:
    found = await state.notifications.get(notification_id)
    if found is None:
        raise HTTPException(404, "no such notification")
    return _public(found, whole=True)


@router.post("/notifications/{notification_id}/retry", dependencies=[Admin])
async def retry_notification(notification_id: str, state: State) -> dict[str, Any]:
    retried = await state.notifications.retry(notification_id, state.clock())
    if retried is None:
        if await state.notifications.get(notification_id) is None:
            raise HTTPException(404, "no such notification")
        raise HTTPException(409, "the notification was sent already")
    state.wake_sender()
    return _public(retried)


@router.post("/digests/run", dependencies=[Admin])
async def run_digest(state: State) -> dict[str, int]:
    return {"recorded": await state.run_digest()}


@router.get("/feed/{account_id}", dependencies=[Admin])
async def agent_feed(
    account_id: str,
    state: State,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    items = await state.feed.feed(account_id, unread_only=unread_only, limit=limit)
    return {
        "items": [_public(item) for item in items],
        "unread": await state.feed.unread(account_id),
    }


FeedKey = Annotated[str, Field(min_length=1, max_length=300)]


class MarkRead(BaseModel):
    ids: Annotated[list[str], Field(max_length=500)] | None = None
    keys: Annotated[list[FeedKey], Field(max_length=500)] | None = None


@router.post("/feed/{account_id}/read", dependencies=[Admin])
async def mark_feed_read(account_id: str, body: MarkRead, state: State) -> dict[str, int]:
    await state.feed.mark_read(account_id, body.ids, body.keys)
    return {"unread": await state.feed.unread(account_id)}


class OptOut(BaseModel):
    email: EmailStr


@router.post("/optout")
async def opt_out(body: OptOut, state: State) -> dict[str, Any]:
    await state.optouts.opt_out(str(body.email), state.clock())
    return {"email": normalise(str(body.email)), "opted_out": True}


@router.get("/optout/{email}")
async def opt_out_status(email: str, state: State) -> dict[str, Any]:
    return {"email": normalise(email), "opted_out": await state.optouts.is_opted_out(email)}


@router.delete("/optout/{email}")
async def opt_in(email: str, state: State) -> dict[str, Any]:
    await state.optouts.opt_in(email)
    return {"email": normalise(email), "opted_out": False}
