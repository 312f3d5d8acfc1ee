"""`CurrentPrincipal` and the role aliases, over HTTP with a stand-in for the accounts.

The real token checks and accounts are covered by tests/integration/test_auth_api.py; here
only the header handling and the 401/403 answers, quickly.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.access import (
    AdminOnly,
    AnyStaff,
    CurrentPrincipal,
    ManagerOrAdmin,
    Principal,
    current_principal,
)
from gateway.identity.accounts import Account
from gateway.identity.roles import ROLES
from gateway.identity.tokens import InvalidToken

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Accounts:
    """Stands in for `Identity.authenticate`: the token is the role."""

    async def authenticate(self, token: str) -> Account:
        if token not in ROLES:
            raise InvalidToken("no")
        return Account(f"id-{token}", f"{token}@x.io", token.title(), token, ("q",), True, NOW, NOW)  # type: ignore[arg-type]


def _app() -> FastAPI:
    app = FastAPI()
    app.state.identity = Accounts()

    @app.get("/who")
    async def who(principal: CurrentPrincipal) -> dict[str, object]:
        return {"kind": principal.kind, "id": principal.id, "role": principal.role}

    @app.get("/staff")
    async def staff(principal: AnyStaff) -> str:
        return principal.role or ""

    @app.get("/managers")
    async def managers(principal: ManagerOrAdmin) -> str:
        return principal.role or ""

    @app.get("/admins")
    async def admins(principal: AdminOnly) -> str:
        return principal.role or ""

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app())


def test_no_header_is_anonymous(client: TestClient) -> None:
    assert client.get("/who").json() == {"kind": "anonymous", "id": None, "role": None}


def test_a_valid_token_is_a_staff_principal(client: TestClient) -> None:
    answer = client.get("/who", headers={"Authorization": "Bearer engineer"})
    assert answer.json() == {"kind": "agent", "id": "id-engineer", "role": "engineer"}
    answer = client.get("/who", headers={"Authorization": "bearer   agent "})
    assert answer.json()["role"] == "agent"


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "admin"]
)
def test_a_bad_header_is_401_never_anonymous(client: TestClient, header: str) -> None:
    answer = client.get("/who", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/staff", set(ROLES)),
        ("/managers", {"manager", "admin"}),
        ("/admins", {"admin"}),
    ],
)
def test_role_aliases(client: TestClient, path: str, allowed: set[str]) -> None:
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    for role in ROLES:
        answer = client.get(path, headers={"Authorization": f"Bearer {role}"})
        assert answer.status_code == (200 if role in allowed else 403), (path, role)


async def test_called_directly_it_is_anonymous() -> None:
    # The WebSocket route calls it outside dependency injection.
    assert await current_principal() == Principal(kind="anonymous")


def test_openapi_documents_the_bearer_scheme(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
