"""The admin API against the real gateway and FerretDB: staff accounts and queues, and who
may use it (admins only: 401 anonymous, 403 every other role)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE, Stack
from gateway.identity.passwords import Passwords
from gateway.identity.roles import ROLES, Role
from gateway.identity.schemas import AccountCreate, AccountUpdate
from gateway.identity.service import Conflict, Identity
from gateway.identity.store import AccountStore
from gateway.identity.tokens import Tokens, new_secret

pytestmark = pytest.mark.mongo

PASSWORD = "a long enough passphrase"


def email(label: str) -> str:
    return f"{label}-{uuid4().hex[:10]}@example.com"


def queue_key() -> str:
    return f"q-{uuid4().hex[:10]}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client_address() -> str:
    raw = uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


def _identity(mongo: AsyncMongoClient[dict[str, Any]], database: str) -> Identity:
    return Identity(AccountStore(mongo, database), Tokens(new_secret()), Passwords(), None)


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=stack.url, timeout=15, headers={"X-Forwarded-For": client_address()}
    ) as client:
        yield client


async def _sign_in(http: httpx.AsyncClient, address: str, password: str = PASSWORD) -> Any:
    answer = await http.post("/api/v1/auth/login", json={"email": address, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
async def tokens(stack: Stack, mongo: AsyncMongoClient[dict[str, Any]]) -> dict[Role, str]:
    """An access token for a fresh account of each role."""
    identity = _identity(mongo, TEST_DATABASE)
    await identity.accounts.prepare()
    out: dict[Role, str] = {}
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as http:
        for role in ROLES:
            account = await identity.create_account(
                AccountCreate(
                    email=email(role), name=f"Admin test {role}", role=role, password=PASSWORD
                )
            )
            out[role] = (await _sign_in(http, account.email))["access_token"]
    return out


ENDPOINTS = [
    ("GET", "/api/v1/admin/agents", None),
    ("POST", "/api/v1/admin/agents", {"email": "x@example.com", "name": "X", "password": PASSWORD}),
    ("GET", f"/api/v1/admin/agents/{uuid4()}", None),
    ("PATCH", f"/api/v1/admin/agents/{uuid4()}", {"name": "Y"}),
    ("GET", "/api/v1/admin/queues", None),
    ("POST", "/api/v1/admin/queues", {"key": "never-made", "name": "Never"}),
    ("PATCH", "/api/v1/admin/queues/general", {"name": "General"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
async def test_only_admins_may_use_the_admin_api(
    http: httpx.AsyncClient,
    tokens: dict[Role, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    anonymous = await http.request(method, path, json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    bad = await http.request(method, path, json=body, headers=bearer("not-a-token"))
    assert bad.status_code == 401
    for role in ("agent", "engineer", "manager"):
        answer = await http.request(method, path, json=body, headers=bearer(tokens[role]))
        assert answer.status_code == 403, (role, answer.text)
    if method == "GET" and "{" not in path and path.endswith(("agents", "queues")):
        admitted = await http.request(method, path, headers=bearer(tokens["admin"]))
        assert admitted.status_code == 200


async def test_queues_are_created_listed_and_renamed(
    http: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    admin = bearer(tokens["admin"])
    key = queue_key()
    created = await http.post(
        "/api/v1/admin/queues", json={"key": key, "name": "VIP"}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.json()["key"] == key
    assert created.json()["name"] == "VIP"

    again = await http.post(
        "/api/v1/admin/queues", json={"key": key, "name": "Other"}, headers=admin
    )
    assert again.status_code == 409
    assert key in again.json()["detail"]

    for bad in ({"key": "Not A Key", "name": "X"}, {"key": queue_key()}, {"key": "x", "name": " "}):
        answer = await http.post("/api/v1/admin/queues", json=bad, headers=admin)
        assert answer.status_code == 422, bad

    renamed = await http.patch(
        f"/api/v1/admin/queues/{key}", json={"name": "VIP customers"}, headers=admin
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "VIP customers"
    assert renamed.json()["created_at"] == created.json()["created_at"]
    missing = await http.patch(
        f"/api/v1/admin/queues/{queue_key()}", json={"name": "N"}, headers=admin
    )
    assert missing.status_code == 404
    nulled = await http.patch(f"/api/v1/admin/queues/{key}", json={"name": None}, headers=admin)
    assert nulled.status_code == 422
    malformed = await http.patch(
        "/api/v1/admin/queues/NOT%20A%20KEY", json={"name": "N"}, headers=admin
    )
    assert malformed.status_code == 422

    listed = await http.get("/api/v1/admin/queues", headers=admin)
    items = listed.json()["items"]
    assert {"key": key, "name": "VIP customers"}.items() <= next(
        q for q in items if q["key"] == key
    ).items()
    assert [q["key"] for q in items] == sorted(q["key"] for q in items)


async def test_agents_are_created_and_listed_without_their_hash(
    http: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    admin = bearer(tokens["admin"])
    key = queue_key()
    await http.post("/api/v1/admin/queues", json={"key": key, "name": "Q"}, headers=admin)
    address = email("New.Agent")
    body = {"email": address, "name": "New Agent", "queues": [key, key], "password": PASSWORD}
    created = await http.post("/api/v1/admin/agents", json=body, headers=admin)
    assert created.status_code == 201, created.text
    agent = created.json()
    assert set(agent) == {
        "id",
        "email",
        "name",
        "role",
        "queues",
        "active",
        "available",
        "capacity",
        "created_at",
        "updated_at",
    }
    assert (agent["available"], agent["capacity"]) == (False, 20)
    assert (agent["email"], agent["role"], agent["queues"], agent["active"]) == (
        address.lower(),
        "agent",
        [key],
        True,
    )

    duplicate = await http.post(
        "/api/v1/admin/agents", json={**body, "email": address.upper()}, headers=admin
    )
    assert duplicate.status_code == 409
    assert "exists" in duplicate.json()["detail"]

    unknown_queue = await http.post(
        "/api/v1/admin/agents",
        json={**body, "email": email("q"), "queues": [key, "no-such-queue-x"]},
        headers=admin,
    )
    assert unknown_queue.status_code == 422
    assert "no-such-queue-x" in unknown_queue.json()["detail"]

    for bad in (
        {**body, "email": "not an email"},
        {**body, "email": email("p"), "password": "short"},
        {**body, "email": email("r"), "role": "root"},
        {**body, "email": email("n"), "name": ""},
        {**body, "email": email("e"), "password_hash": "$argon2id$..."},
    ):
        answer = await http.post("/api/v1/admin/agents", json=bad, headers=admin)
        assert answer.status_code == 422, bad

    fetched = await http.get(f"/api/v1/admin/agents/{agent['id']}", headers=admin)
    assert fetched.json() == agent
    assert (await http.get(f"/api/v1/admin/agents/{uuid4()}", headers=admin)).status_code == 404
    assert (await http.get("/api/v1/admin/agents/not-a-uuid", headers=admin)).status_code == 422

    listed = await http.get("/api/v1/admin/agents", params={"role": "agent"}, headers=admin)
    assert listed.status_code == 200
    assert agent["id"] in {a["id"] for a in listed.json()["items"]}
    assert {a["role"] for a in listed.json()["items"]} == {"agent"}
    assert "hash" not in listed.text
    managers = await http.get("/api/v1/admin/agents", params={"role": "manager"}, headers=admin)
    assert agent["id"] not in {a["id"] for a in managers.json()["items"]}

    signed_in = await _sign_in(http, address)
    me = await http.get("/api/v1/auth/me", headers=bearer(signed_in["access_token"]))
    assert me.json() == agent


async def test_patch_changes_role_name_queues_and_active(
    http: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    admin = bearer(tokens["admin"])
    key = queue_key()
    await http.post("/api/v1/admin/queues", json={"key": key, "name": "Q"}, headers=admin)
    address = email("promoted")
    agent = (
        await http.post(
            "/api/v1/admin/agents",
            json={"email": address, "name": "Promoted", "password": PASSWORD},
            headers=admin,
        )
    ).json()
    own = await _sign_in(http, address)
    path = f"/api/v1/admin/agents/{agent['id']}"

    changed = await http.patch(
        path, json={"role": "manager", "name": "Now Manager", "queues": [key]}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["name"], changed.json()["queues"]) == (
        "manager",
        "Now Manager",
        [key],
    )
    assert changed.json()["email"] == address
    # Applies at once, even to the access token issued before.
    me = await http.get("/api/v1/auth/me", headers=bearer(own["access_token"]))
    assert me.json()["role"] == "manager"

    assert (await http.patch(path, json={}, headers=admin)).json() == (
        await http.get(path, headers=admin)
    ).json()
    for bad in (
        {"role": None},
        {"queues": ["no-such-queue-y"]},
        {"email": "x@example.com"},
        {"active": "maybe"},
    ):
        answer = await http.patch(path, json=bad, headers=admin)
        assert answer.status_code == 422, bad
    missing = await http.patch(f"/api/v1/admin/agents/{uuid4()}", json={"name": "N"}, headers=admin)
    assert missing.status_code == 404

    # Deactivation: refused at once, sign-in refused, renewal refused; reactivation restores.
    off = await http.patch(path, json={"active": False}, headers=admin)
    assert off.json()["active"] is False
    assert (
        await http.get("/api/v1/auth/me", headers=bearer(own["access_token"]))
    ).status_code == 401
    login = await http.post("/api/v1/auth/login", json={"email": address, "password": PASSWORD})
    assert login.status_code == 401
    renew = await http.post("/api/v1/auth/refresh", json={"refresh_token": own["refresh_token"]})
    assert renew.status_code == 401
    inactive = await http.get("/api/v1/admin/agents", params={"active": "false"}, headers=admin)
    assert agent["id"] in {a["id"] for a in inactive.json()["items"]}
    await http.patch(path, json={"active": True}, headers=admin)
    await _sign_in(http, address)


async def test_a_password_reset_signs_the_account_out(
    http: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    admin = bearer(tokens["admin"])
    address = email("forgetful")
    agent = (
        await http.post(
            "/api/v1/admin/agents",
            json={"email": address, "name": "Forgetful", "password": PASSWORD},
            headers=admin,
        )
    ).json()
    old = await _sign_in(http, address)
    reset = await http.patch(
        f"/api/v1/admin/agents/{agent['id']}",
        json={"password": "a brand new passphrase"},
        headers=admin,
    )
    assert reset.status_code == 200
    assert "password" not in reset.text
    assert (
        await http.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    ).status_code == 401
    refused = await http.post("/api/v1/auth/login", json={"email": address, "password": PASSWORD})
    assert refused.status_code == 401
    await _sign_in(http, address, "a brand new passphrase")


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    """On a database of its own, where the number of admins is known."""
    database = f"dvika_test_admins_{uuid4().hex[:8]}"
    identity = _identity(mongo, database)
    try:
        await identity.accounts.prepare()
        first = await identity.create_account(
            AccountCreate(email=email("only"), name="Only", role="admin", password=PASSWORD)
        )
        for change in ({"role": "manager"}, {"active": False}):
            with pytest.raises(Conflict, match="last active admin"):
                await identity.update_account(first.id, AccountUpdate.model_validate(change))
        second = await identity.create_account(
            AccountCreate(email=email("second"), name="Second", role="admin", password=PASSWORD)
        )
        demoted = await identity.update_account(first.id, AccountUpdate(role="manager"))
        assert demoted.role == "manager"
        with pytest.raises(Conflict):
            await identity.update_account(second.id, AccountUpdate(active=False))
        assert (
            await identity.update_account(second.id, AccountUpdate(name="Still"))
        ).name == "Still"
    finally:
        await mongo.drop_database(database)


async def test_duplicate_emails_are_refused_by_the_unique_index(
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    """Even when two creations race past any check: the index decides."""
    database = f"dvika_test_unique_{uuid4().hex[:8]}"
    identity = _identity(mongo, database)
    try:
        await identity.accounts.prepare()
        body = AccountCreate(email=email("race"), name="Race", password=PASSWORD)
        results = await asyncio.gather(
            *(identity.create_account(body) for _ in range(5)), return_exceptions=True
        )
        assert sum(not isinstance(r, BaseException) for r in results) == 1
        assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
        assert await mongo[database]["accounts"].count_documents({}) == 1
    finally:
        await mongo.drop_database(database)
