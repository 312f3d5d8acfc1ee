"""`POST /api/v1/intake` and `POST /api/v1/intake/slack`: forwarded to the intake service.

The gateway is the public face; the intake owns these channels. The raw body and the headers
the intake checks (API key, body and Slack signatures, idempotency key) pass unchanged, so
signatures made over the body still verify. One `httpx.AsyncClient` per app, made at the
first request and closed with the app. An intake that cannot be reached answers 502.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status

from gateway.settings import GatewaySettings
from kit.tracing import TRACE_HOOKS

# What the intake reads; everything else (cookies, the staff's Authorization) stays here.
FORWARDED_HEADERS = (
    "content-type",
    "x-api-key",
    "x-dvika-signature",
    "idempotency-key",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "user-agent",
)
# The intake waits up to its command timeout (10 s) for the tickets service; a little more.
TIMEOUT_S = 15.0


@asynccontextmanager
async def _client_lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        client: httpx.AsyncClient | None = getattr(app.state, "intake_client", None)
        if client is not None:
            await client.aclose()


router = APIRouter(prefix="/api/v1/intake", tags=["intake"], lifespan=_client_lifespan)


def _client(request: Request) -> httpx.AsyncClient:
    state = request.app.state
    client: httpx.AsyncClient | None = getattr(state, "intake_client", None)
    if client is None:
        settings: GatewaySettings = state.settings
        client = httpx.AsyncClient(
            base_url=settings.intake_url, timeout=TIMEOUT_S, event_hooks=TRACE_HOOKS
        )
        state.intake_client = client
    return client


async def _forward(request: Request, path: str) -> Response:
    headers = {name: value for name in FORWARDED_HEADERS if (value := request.headers.get(name))}
    if request.client is not None:
        headers["x-forwarded-for"] = request.client.host
    try:
        answer = await _client(request).post(path, content=await request.body(), headers=headers)
    except httpx.HTTPError as error:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"the intake service cannot be reached: {error!r}"
        ) from None
    return Response(
        content=answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )


# Out of the OpenAPI document: the intake's own docs describe the bodies.
@router.post("", include_in_schema=False)
async def partner_api(request: Request) -> Response:
    return await _forward(request, "/api/v1/intake")


@router.post("/slack", include_in_schema=False)
async def slack_command(request: Request) -> Response:
    return await _forward(request, "/api/v1/intake/slack")
