"""`GET /api/v1/reports/{metric}`: the reports, computed by the analytics service.

Who may is checked here (managers and admins; 403 for any other role); the query string and
the `Accept` header pass unchanged (CSV with `?format=csv` or `Accept: text/csv`), and so does
the analytics service's answer, 422 reasons included. One `httpx.AsyncClient` per app, made
at the first request and closed with the app. An analytics service that cannot be reached
answers 503 with the reason.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status

from gateway.access import Principal, require_roles
from gateway.settings import GatewaySettings
from kit.tracing import TRACE_HOOKS

# Reports read pre-aggregated buckets and answer well within this.
TIMEOUT_S = 10.0
_PASSED_ANSWER_HEADERS = ("content-disposition",)
_METRIC_NAME = re.compile(r"[a-z][a-z_]{0,39}")


@asynccontextmanager
async def _client_lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        client: httpx.AsyncClient | None = getattr(app.state, "analytics_client", None)
        if client is not None:
            await client.aclose()


router = APIRouter(
    prefix="/api/v1/reports",
    tags=["reports"],
    lifespan=_client_lifespan,
    responses={
        401: {"description": "not signed in"},
        403: {"description": "signed in, but not a manager or admin"},
        422: {"description": "a parameter cannot be used; `detail` says why"},
        503: {"description": "the analytics service cannot be reached"},
    },
)

Reader = Annotated[Principal, Depends(require_roles("manager", "admin"))]


def _client(request: Request) -> httpx.AsyncClient:
    state = request.app.state
    client: httpx.AsyncClient | None = getattr(state, "analytics_client", None)
    if client is None:
        settings: GatewaySettings = state.settings
        client = httpx.AsyncClient(
            base_url=settings.analytics_url, timeout=TIMEOUT_S, event_hooks=TRACE_HOOKS
        )
        state.analytics_client = client
    return client


@router.get("/{metric}")
async def get_report(metric: str, request: Request, _: Reader) -> Response:
    """A report (managers and admins): `first_response_time`, `resolution_time`, `volume`,
    `csat`, `heatmap`, `sla`, `backlog` or `agent_load`.

    Query: `from`, `to` (dates, both included; default the last 30 days), `group_by`
    (agent, queue, priority, channel, category, none), `interval` (volume: daily or weekly),
    filters `queue`, `priority`, `channel`, and `format=csv`. The analytics service's own
    docs (`/docs` on its port) show each report's rows.
    """
    if not _METRIC_NAME.fullmatch(metric):
        # Only a plain name goes into the analytics URL (no dots, slashes or escapes).
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no metric {metric!r}")
    headers = {}
    if accept := request.headers.get("accept"):
        headers["accept"] = accept
    try:
        answer = await _client(request).get(
            f"/reports/{metric}", params=str(request.query_params), headers=headers
        )
    except httpx.HTTPError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the analytics service cannot be reached: {error!r}",
        ) from None
    passed = {name: value for name in _PASSED_ANSWER_HEADERS if (value := answer.headers.get(name))}
    return Response(
        content=answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
        headers=passed,
    )
