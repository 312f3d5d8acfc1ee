"""Staff sign-in against the real gateway and FerretDB: login, me, refresh, logout, limits.

Accounts come from the `dvika-create-admin` / `dvika-demo-accounts` scripts and from the
accounts store itself, never from a fake. The shared stack runs without the login rate limit
(tests/conftest.py); test_auth_rate_limit.py runs a gateway of its own with it. Each test
still signs in from its own made-up client address (`X-Forwarded-For`, which uvicorn trusts
from 127.0.0.1) and with its own emails, so these tests hold with the limit on as well.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE, Stack
from gateway.identity.accounts import Account
from gateway.identity.passwords import Passwords
from gateway.identity.roles import Role
from gateway.identity.schemas import AccountCreate
from gateway.identity.service import Identity
from gateway.identity.store import AccountStore
from gateway.identity.tokens import Tokens, new_secret

pytestmark = pytest.mark.mongo

BIN = Path(sys.executable).parent
PASSWORD = "a long enough passphrase"
BAD_LOGIN = "wrong email or password"


def client_address() -> str:
    raw = uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


def email(label: str) -> str:
    return f"{label}-{uuid4().hex[:10]}@example.com"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=stack.url, timeout=15, headers={"X-Forwarded-For": client_address()}
    ) as client:
        yield client


@pytest.fixture
def identity(mongo: AsyncMongoClient[dict[str, Any]]) -> Identity:
    """The accounts store on the gateway's test database (the tokens here are unused)."""
    return Identity(AccountStore(mongo, TEST_DATABASE), Tokens(new_secret()), Passwords(), None)


async def new_account(identity: Identity, role: Role = "agent", **extra: Any) -> Account:
    await identity.accounts.prepare()
    body = AccountCreate(
        email=email(role), name=f"Test {role}", role=role, password=PASSWORD, **extra
    )
    return await identity.create_account(body)


async def login(http: httpx.AsyncClient, address: str, password: str = PASSWORD) -> Any:
    answer = await http.post("/api/v1/auth/login", json={"email": address, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()


def run_script(name: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / name), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- the scripts ----------------------------------------------------------------------------


def test_create_admin_script_creates_one_admin_per_email(
    stack: Stack, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    admin = f"First.Admin-{uuid4().hex[:10]}@Example.com"
    env = {**stack.env, "DVIKA_ADMIN_PASSWORD": PASSWORD}
    created = run_script("dvika-create-admin", env, "--email", admin, "--name", "First Admin")
    assert created.returncode == 0, created.stderr
    assert f"created admin {admin.lower()}" in created.stdout

    again = run_script("dvika-create-admin", env, "--email", admin.upper(), "--name", "Again")
    assert again.returncode == 1
    assert "already exists" in again.stderr

    bad = run_script("dvika-create-admin", env, "--email", "not-an-email", "--name", "X")
    assert bad.returncode == 2
    assert "email" in bad.stderr

    with httpx.Client(base_url=stack.url, timeout=15) as http:
        http.headers["X-Forwarded-For"] = client_address()
        tokens = http.post("/api/v1/auth/login", json={"email": admin, "password": PASSWORD}).json()
        me = http.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == admin.lower()
    assert me.json()["role"] == "admin"


async def test_the_stored_account_holds_an_argon2_hash_never_shown(
    identity: Identity, mongo: AsyncMongoClient[dict[str, Any]], http: httpx.AsyncClient
) -> None:
    account = await new_account(identity, "manager")
    doc = await mongo[TEST_DATABASE]["accounts"].find_one({"_id": account.id})
    assert doc is not None
    assert doc["id"] == account.id
    assert doc["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in doc["password_hash"]
    assert {"email", "name", "role", "queues", "active", "created_at"} <= set(doc)

    tokens = await login(http, account.email)
    me = await http.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert "hash" not in me.text
    assert "password" not in me.text


def test_demo_accounts_script_is_idempotent_and_refuses_production(stack: Stack) -> None:
    first = run_script("dvika-demo-accounts", stack.env)
    assert first.returncode == 0, first.stderr
    second = run_script("dvika-demo-accounts", stack.env)
    assert second.returncode == 0, second.stderr
    for demo in ("admin", "manager", "agent", "engineer"):
        assert f"{demo}@demo.dvika.care" in second.stdout
    assert second.stdout.count("exists") == 4
    assert "dvika-demo" in second.stdout

    production = run_script("dvika-demo-accounts", {**stack.env, "DVIKA_ENVIRONMENT": "production"})
    assert production.returncode == 1
    assert "refusing" in production.stderr

    with httpx.Client(base_url=stack.url, timeout=15) as http:
        http.headers["X-Forwarded-For"] = client_address()
        seen = {}
        for role in ("agent", "engineer"):
            tokens = http.post(
                "/api/v1/auth/login",
                json={"email": f"{role}@demo.dvika.care", "password": "dvika-demo"},
            )
            assert tokens.status_code == 200, tokens.text
            me = http.get("/api/v1/auth/me", headers=bearer(tokens.json()["access_token"]))
            seen[role] = me.json()
    assert seen["agent"]["role"] == "agent"
    assert seen["agent"]["queues"] == ["general", "billing", "technical"]
    assert seen["engineer"]["queues"] == ["technical"]


def test_a_production_gateway_without_a_jwt_secret_does_not_start(stack: Stack) -> None:
    env = {
        **os.environ,
        **stack.env,
        "DVIKA_ENVIRONMENT": "production",
        "DVIKA_TRACKING_SECRET": "t" * 40,
        "DVIKA_HTTP_PORT": "18088",
    }
    env.pop("DVIKA_JWT_SECRET", None)
    started = subprocess.run(
        [sys.executable, "-m", "gateway"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "DVIKA_JWT_SECRET must be set" in started.stdout + started.stderr


# --- login, me ------------------------------------------------------------------------------


async def test_login_answers_a_token_pair_that_says_who(
    identity: Identity, http: httpx.AsyncClient
) -> None:
    account = await new_account(identity, "engineer")
    tokens = await login(http, f"  {account.email.upper()} ")  # emails ignore case
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900

    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == account.id
    assert (claims["role"], claims["email"], claims["name"]) == (
        "engineer",
        account.email,
        "Test engineer",
    )
    assert claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "HS256"
    refresh = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})
    assert refresh["typ"] == "refresh"
    assert refresh["exp"] - refresh["iat"] == 14 * 24 * 3600

    me = await http.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == account.id
    assert me.json()["role"] == "engineer"


async def test_wrong_email_and_wrong_password_answer_alike(
    identity: Identity, http: httpx.AsyncClient
) -> None:
    account = await new_account(identity)
    answers = [
        await http.post("/api/v1/auth/login", json={"email": e, "password": p})
        for e, p in [
            (account.email, "not the password"),
            (email("nobody"), PASSWORD),
            ("not even an email", PASSWORD),
        ]
    ]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert {a.json()["detail"] for a in answers} == {BAD_LOGIN}
    assert all(a.headers["WWW-Authenticate"] == "Bearer" for a in answers)


async def test_a_deactivated_account_cannot_sign_in_and_its_tokens_stop_at_once(
    identity: Identity, http: httpx.AsyncClient
) -> None:
    account = await new_account(identity)
    tokens = await login(http, account.email)
    await identity.accounts.update_account(account.id, {"active": False}, now=account.created_at)

    me = await http.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    refused = await http.post(
        "/api/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert refused.json()["detail"] == BAD_LOGIN
    renewed = await http.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert renewed.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@example.com"},
        {"email": "a@example.com", "password": ""},
        {"email": "a@example.com", "password": "x" * 1025},
        {"email": "a@example.com", "password": "pw", "extra": 1},
    ],
)
async def test_malformed_login_bodies_answer_422(
    http: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    answer = await http.post("/api/v1/auth/login", json=body)
    assert answer.status_code == 422, answer.text


async def test_me_needs_a_valid_access_token(identity: Identity, http: httpx.AsyncClient) -> None:
    account = await new_account(identity)
    tokens = await login(http, account.email)
    anonymous = await http.get("/api/v1/auth/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    forged = jwt.encode(
        {
            **jwt.decode(tokens["access_token"], options={"verify_signature": False}),
            "role": "admin",
        },
        "an attacker's key that is long enough!!",
        algorithm="HS256",
    )
    for token in ("garbage", tokens["refresh_token"], forged):
        answer = await http.get("/api/v1/auth/me", headers=bearer(token))
        assert answer.status_code == 401, token
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    basic = await http.get("/api/v1/auth/me", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


# --- refresh, logout ------------------------------------------------------------------------


async def test_a_refresh_token_works_once_and_reuse_ends_the_sign_in(
    identity: Identity, http: httpx.AsyncClient
) -> None:
    account = await new_account(identity, "manager")
    first = await login(http, account.email)

    renewed = await http.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    me = await http.get("/api/v1/auth/me", headers=bearer(second["access_token"]))
    assert me.json()["id"] == account.id

    # The old one again: refused, and the sign-in it belongs to ends (its successor too).
    reused = await http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    after = await http.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401

    # Another sign-in of the same account is not affected.
    other = await login(http, account.email)
    still = await http.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert still.status_code == 200


async def test_an_access_token_cannot_refresh(identity: Identity, http: httpx.AsyncClient) -> None:
    account = await new_account(identity)
    tokens = await login(http, account.email)
    for token in (tokens["access_token"], "garbage"):
        answer = await http.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert answer.status_code == 401


async def test_logout_revokes_the_refresh_token(
    identity: Identity, http: httpx.AsyncClient
) -> None:
    account = await new_account(identity)
    tokens = await login(http, account.email)
    out = await http.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await http.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 204  # idempotent
    renewed = await http.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert renewed.status_code == 401
    garbage = await http.post("/api/v1/auth/logout", json={"refresh_token": "garbage"})
    assert garbage.status_code == 401


async def test_the_auth_routes_are_in_the_openapi_document(http: httpx.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    for path in ("login", "refresh", "logout", "me"):
        assert f"/api/v1/auth/{path}" in document["paths"]
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    assert "429" in document["paths"]["/api/v1/auth/login"]["post"]["responses"]
