"""`/api/v1/kb/...`: the knowledge base, forwarded to the knowledge service.

Who may is checked here; what is shown is the knowledge service's to say. Public routes
(categories, published articles, search, suggestions, votes, deflection signals) are open to
anyone and forward no identity: they never show a draft or an archived article, whoever
asks. Staff routes (similar tickets, the deflection rate, suggestions to editors) and the
editors' routes (`/admin/...`: articles in any status, the Knowledge Suggestions view) send
the caller's account, role and name as `X-Dvika-Account`, `X-Dvika-Role`, `X-Dvika-Name`;
a client's own `X-Dvika-*` headers are never forwarded. One `httpx.AsyncClient` per app,
made at the first request and closed with the app; a knowledge service that cannot be
reached answers 503 with the reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status

from gateway.access import AnyStaff, Principal, require_roles
from gateway.entrypoints.dependencies import PublicRateLimit
from gateway.identity.roles import ROLES
from gateway.settings import GatewaySettings
from kit.tracing import TRACE_HOOKS

TIMEOUT_S = 10.0
PREFIX = "/api/v1/kb"
VISITOR_COOKIE = "dvika_kb_visitor"
FORWARDED_HEADERS = ("content-type", "idempotency-key", "accept-language")
# Editors: the `editor` role where the gateway knows it, and managers and admins.
EDITOR_ROLES = tuple(role for role in ("editor", "manager", "admin") if role in ROLES)


@asynccontextmanager
async def _client_lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        client: httpx.AsyncClient | None = getattr(app.state, "knowledge_client", None)
        if client is not None:
            await client.aclose()


router = APIRouter(
    prefix=PREFIX,
    tags=["knowledge base"],
    lifespan=_client_lifespan,
    responses={503: {"description": "the knowledge service cannot be reached"}},
)

Editor = Annotated[Principal, Depends(require_roles(*EDITOR_ROLES))]


def _client(request: Request) -> httpx.AsyncClient:
    state = request.app.state
    client: httpx.AsyncClient | None = getattr(state, "knowledge_client", None)
    if client is None:
        settings: GatewaySettings = state.settings
        client = httpx.AsyncClient(
            base_url=settings.knowledge_url, timeout=TIMEOUT_S, event_hooks=TRACE_HOOKS
        )
        state.knowledge_client = client
    return client


async def _forward(request: Request, path: str, principal: Principal | None = None) -> Response:
    headers = {name: value for name in FORWARDED_HEADERS if (value := request.headers.get(name))}
    if visitor := request.cookies.get(VISITOR_COOKIE):
        headers["cookie"] = f"{VISITOR_COOKIE}={visitor}"
    if principal is not None:
        headers["x-dvika-account"] = principal.id or ""
        headers["x-dvika-role"] = principal.role or ""
        headers["x-dvika-name"] = quote(principal.name or "", safe=" ")
    url = f"{PREFIX}{path}"
    if request.url.query:
        url = f"{url}?{request.url.query}"
    try:
        answer = await _client(request).request(
            request.method, url, content=await request.body(), headers=headers
        )
    except httpx.HTTPError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the knowledge service cannot be reached: {error!r}",
        ) from None
    return Response(
        content=answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )


# -- anyone ----------------------------------------------------------------------------------


@router.get("/categories")
async def categories(request: Request) -> Response:
    """Categories of published articles, with how many each has (`?language=`)."""
    return await _forward(request, "/categories")


@router.get("/articles")
async def articles(request: Request) -> Response:
    """Published articles (`?category=&language=&limit=&offset=`), by title."""
    return await _forward(request, "/articles")


@router.get("/articles/search")
async def search(request: Request) -> Response:
    """`?q=&limit=5&language=`: ranked published articles with snippets."""
    return await _forward(request, "/articles/search")


@router.get("/articles/suggest")
async def suggest(request: Request) -> Response:
    """`?q=` what a customer is typing: at most 5 published articles, each with a snippet."""
    return await _forward(request, "/articles/suggest")


@router.get("/articles/{slug}")
async def article(request: Request, slug: str) -> Response:
    """A published article by its slug (sanitised HTML); anything else is 404."""
    return await _forward(request, f"/articles/{quote(slug, safe='')}")


@router.post("/articles/{slug}/votes", dependencies=[PublicRateLimit])
async def vote(request: Request, slug: str) -> Response:
    """`{"helpful": bool, "visitor": id}`: one per visitor; a repeat answers 200, same counts."""
    return await _forward(request, f"/articles/{quote(slug, safe='')}/votes")


@router.post("/deflections", dependencies=[PublicRateLimit])
async def deflection(request: Request) -> Response:
    """`{"session_id", "article"?, "submitted"?}`: a suggested article opened, or a submit."""
    return await _forward(request, "/deflections")


# -- staff -----------------------------------------------------------------------------------


@router.get("/deflection-rate")
async def deflection_rate(request: Request, principal: AnyStaff) -> Response:
    return await _forward(request, "/deflection-rate", principal)


@router.get("/similar-tickets/{ticket_id}")
async def similar_tickets(request: Request, ticket_id: str, principal: AnyStaff) -> Response:
    """Up to 5 earlier tickets most like this one (`?limit=`)."""
    return await _forward(request, f"/similar-tickets/{quote(ticket_id, safe='')}", principal)


@router.post("/suggestions")
async def add_suggestion(request: Request, principal: AnyStaff) -> Response:
    """Flag an article as outdated, or suggest a new one, from a ticket."""
    return await _forward(request, "/suggestions", principal)


# -- editors ---------------------------------------------------------------------------------


@router.api_route("/admin/{path:path}", methods=["GET", "POST", "PUT"])
async def admin(request: Request, path: str, principal: Editor) -> Response:
    """Articles in any status (draft, revise, publish, archive, restore) and suggestions."""
    return await _forward(request, f"/admin/{quote(path, safe='/')}", principal)
