"""The gateway's `/api/v1/kb` proxy: who may call what, and what reaches the knowledge service.

The knowledge service is stood in for by an httpx MockTransport that records each request;
accounts by a stand-in whose token is the role (the real tokens are tested elsewhere).
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.entrypoints.knowledge_proxy import EDITOR_ROLES, router
from gateway.identity.accounts import Account
from gateway.identity.roles import ROLES
from gateway.identity.tokens import InvalidToken

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Accounts:
    async def authenticate(self, token: str) -> Account:
        if token not in ROLES:
            raise InvalidToken("no")
        return Account(f"id-{token}", f"{token}@x.io", token.title(), token, (), True, NOW, NOW)  # type: ignore[arg-type]


def _app(seen: list[httpx.Request], *, fail: bool = False) -> FastAPI:
    def answer(request: httpx.Request) -> httpx.Response:
        if fail:
            raise httpx.ConnectError("refused", request=request)
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    app = FastAPI()
    app.state.identity = Accounts()
    app.state.public_limiter = None
    app.state.knowledge_client = httpx.AsyncClient(
        transport=httpx.MockTransport(answer), base_url="http://knowledge"
    )
    app.include_router(router)
    return app


def _auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {role}"}


PUBLIC = [
    ("GET", "/api/v1/kb/categories"),
    ("GET", "/api/v1/kb/articles?category=billing"),
    ("GET", "/api/v1/kb/articles/search?q=refund&limit=5"),
    ("GET", "/api/v1/kb/articles/suggest?q=charged+twice"),
    ("GET", "/api/v1/kb/articles/reset-password"),
    ("POST", "/api/v1/kb/articles/reset-password/votes"),
    ("POST", "/api/v1/kb/deflections"),
]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_public_routes_forward_unchanged_and_without_any_identity(method: str, path: str) -> None:
    seen: list[httpx.Request] = []
    with TestClient(_app(seen)) as client:
        # A client's own identity headers must never reach the service.
        answer = client.request(
            method, path, headers={"X-Dvika-Role": "admin", "X-Dvika-Account": "evil"}
        )
    assert answer.status_code == 200
    (forwarded,) = seen
    assert forwarded.url.raw_path.decode() == path
    assert "x-dvika-role" not in forwarded.headers
    assert "x-dvika-account" not in forwarded.headers


def test_staff_routes_need_staff_and_send_who_is_calling() -> None:
    seen: list[httpx.Request] = []
    with TestClient(_app(seen)) as client:
        assert client.get("/api/v1/kb/deflection-rate").status_code == 401
        assert client.post("/api/v1/kb/suggestions", json={}).status_code == 401
        assert client.get("/api/v1/kb/similar-tickets/abc").status_code == 401
        assert seen == []
        answer = client.get("/api/v1/kb/similar-tickets/abc?limit=3", headers=_auth("agent"))
    assert answer.status_code == 200
    (forwarded,) = seen
    assert forwarded.url.raw_path.decode() == "/api/v1/kb/similar-tickets/abc?limit=3"
    assert forwarded.headers["x-dvika-role"] == "agent"
    assert forwarded.headers["x-dvika-account"] == "id-agent"
    assert "authorization" not in forwarded.headers


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_reach_the_admin_routes(role: str) -> None:
    seen: list[httpx.Request] = []
    with TestClient(_app(seen)) as client:
        answer = client.post("/api/v1/kb/admin/articles", json={}, headers=_auth(role))
        assert client.get("/api/v1/kb/admin/articles").status_code == 401
    expected = 200 if role in EDITOR_ROLES else 403
    assert answer.status_code == expected
    assert len(seen) == (1 if expected == 200 else 0)
    assert {"manager", "admin"} <= set(EDITOR_ROLES)
    assert not {"agent", "engineer"} & set(EDITOR_ROLES)


def test_an_unreachable_knowledge_service_is_503_with_the_reason() -> None:
    with TestClient(_app([], fail=True)) as client:
        answer = client.get("/api/v1/kb/categories")
    assert answer.status_code == 503
    assert "knowledge service cannot be reached" in answer.json()["detail"]
