"""`GET/PUT /api/v1/routing/rules`: the routing rules, kept and checked by the routing service.

Who may is checked here (managers and admins read, admins change); what is valid is the
routing service's to say (422 with the reason, 409 for a stale `version`), and its answer
passes through unchanged. The editing admin's account id goes along as `X-Dvika-Account`.
One `httpx.AsyncClient` per app, made at the first request and closed with the app. A
routing service that cannot be reached answers 503 with the reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status

from gateway.access import Principal, require_roles
from gateway.settings import GatewaySettings
from kit.tracing import TRACE_HOOKS

TIMEOUT_S = 10.0


@asynccontextmanager
async def _client_lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        client: httpx.AsyncClient | None = getattr(app.state, "routing_client", None)
        if client is not None:
            await client.aclose()


router = APIRouter(
    prefix="/api/v1/routing",
    tags=["routing"],
    lifespan=_client_lifespan,
    responses={
        401: {"description": "not signed in"},
        403: {"description": "signed in, but this role may not"},
        503: {"description": "the routing service cannot be reached"},
    },
)

Reader = Annotated[Principal, Depends(require_roles("manager", "admin"))]
Editor = Annotated[Principal, Depends(require_roles("admin"))]


def _client(request: Request) -> httpx.AsyncClient:
    state = request.app.state
    client: httpx.AsyncClient | None = getattr(state, "routing_client", None)
    if client is None:
        settings: GatewaySettings = state.settings
        client = httpx.AsyncClient(
            base_url=settings.routing_url, timeout=TIMEOUT_S, event_hooks=TRACE_HOOKS
        )
        state.routing_client = client
    return client


async def _forward(request: Request, method: str, principal: Principal) -> Response:
    headers = {"x-dvika-account": principal.id or ""}
    if content_type := request.headers.get("content-type"):
        headers["content-type"] = content_type
    try:
        answer = await _client(request).request(
            method, "/rules", content=await request.body(), headers=headers
        )
    except httpx.HTTPError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the routing service cannot be reached: {error!r}",
        ) from None
    return Response(
        content=answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )


@router.get("/rules")
async def get_rules(request: Request, principal: Reader) -> Response:
    """The rules routing uses now, with their `version` (managers and admins)."""
    return await _forward(request, "GET", principal)


@router.put("/rules")
async def put_rules(request: Request, principal: Editor) -> Response:
    """Replace the rules (admins): `{"version": <the version read>, "rules": {...}}`.

    422 with the reason for unusable rules, 409 when someone saved since that version.
    """
    return await _forward(request, "PUT", principal)
