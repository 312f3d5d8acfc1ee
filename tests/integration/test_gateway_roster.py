"""The agent roster against the real gateway, Kafka and FerretDB: an agent's availability
switch and an admin's capacity change are published on `dvika.agents.v1`, keyed by account
id, and a gateway that starts publishes every account (healing a publish a crash lost)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE, Stack
from contracts.agents import AgentSnapshot
from contracts.topics import AGENTS
from gateway.identity.accounts import Account
from gateway.identity.passwords import Passwords
from gateway.identity.roles import Role
from gateway.identity.schemas import AccountCreate
from gateway.identity.service import Identity
from gateway.identity.store import AccountStore
from gateway.identity.tokens import Tokens, new_secret
from support.kafka_tools import read_topic
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

pytestmark = [pytest.mark.mongo, pytest.mark.kafka]

PASSWORD = "a long enough passphrase"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _identity(mongo: AsyncMongoClient[dict[str, Any]], database: str) -> Identity:
    """Accounts written straight to MongoDB: nothing is published for them."""
    return Identity(AccountStore(mongo, database), Tokens(new_secret()), Passwords(), None)


async def _account(identity: Identity, role: Role, queues: list[str] | None = None) -> Account:
    await identity.accounts.prepare()
    return await identity.create_account(
        AccountCreate(
            email=f"roster-{role}-{uuid4().hex[:10]}@example.com",
            name=f"Roster {role}",
            role=role,
            password=PASSWORD,
        )
    )


async def _snapshots(bootstrap: str, account_id: str) -> list[AgentSnapshot]:
    """Every snapshot of the account on the agents topic, oldest first."""
    records = await read_topic(bootstrap, AGENTS.name, AGENTS.partitions, idle_s=0.2)
    return [
        AgentSnapshot.model_validate_json(r.value) for r in records if r.key == account_id.encode()
    ]


async def _newest(bootstrap: str, account_id: str, what: str, **wanted: Any) -> AgentSnapshot:
    async def probe() -> AgentSnapshot | None:
        found = await _snapshots(bootstrap, account_id)
        newest = found[-1] if found else None
        if newest and all(getattr(newest, k) == v for k, v in wanted.items()):
            return newest
        return None

    return await eventually(probe, timeout_s=20, interval_s=0.3, what=what)


async def _sign_in(http: httpx.AsyncClient, email: str) -> str:
    answer = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        yield client


async def test_an_agents_availability_switch_is_published_and_shown(
    stack: Stack, http: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    agent = await _account(_identity(mongo, TEST_DATABASE), "agent")
    token = await _sign_in(http, agent.email)

    me = await http.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert (me.json()["available"], me.json()["capacity"]) == (False, 20)

    on = await http.put("/api/v1/me/availability", json={"available": True}, headers=bearer(token))
    assert on.status_code == 200, on.text
    assert on.json()["available"] is True
    snapshot = await _newest(bootstrap, agent.id, "the agent published as available",
                             available=True)  # fmt: skip
    assert (snapshot.account_id, snapshot.role, snapshot.capacity) == (agent.id, "agent", 20)
    assert snapshot.email == agent.email
    assert snapshot.active is True

    off = await http.put(
        "/api/v1/me/availability", json={"available": False}, headers=bearer(token)
    )
    assert off.json()["available"] is False
    await _newest(bootstrap, agent.id, "the agent published as away", available=False)
    assert (await http.get("/api/v1/auth/me", headers=bearer(token))).json()["available"] is False


async def test_an_admins_capacity_change_is_published(
    stack: Stack, http: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    identity = _identity(mongo, TEST_DATABASE)
    admin = await _account(identity, "admin")
    agent = await _account(identity, "agent")
    admin_token = await _sign_in(http, admin.email)

    changed = await http.patch(
        f"/api/v1/admin/agents/{agent.id}", json={"capacity": 3}, headers=bearer(admin_token)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["capacity"] == 3
    await _newest(bootstrap, agent.id, "the new capacity on the roster", capacity=3)

    for bad in (-1, 1001, "many"):
        refused = await http.patch(
            f"/api/v1/admin/agents/{agent.id}",
            json={"capacity": bad},
            headers=bearer(admin_token),
        )
        assert refused.status_code == 422, refused.text
    created = await http.post(
        "/api/v1/admin/agents",
        json={
            "email": f"roster-new-{uuid4().hex[:10]}@example.com",
            "name": "Roster New",
            "password": PASSWORD,
            "capacity": 7,
        },
        headers=bearer(admin_token),
    )
    assert created.status_code == 201, created.text
    new = created.json()
    assert (new["capacity"], new["available"]) == (7, False)
    await _newest(bootstrap, new["id"], "a new account on the roster", capacity=7)


async def test_availability_refuses_bad_bodies_and_non_staff(
    stack: Stack, http: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    agent = await _account(_identity(mongo, TEST_DATABASE), "engineer")
    token = await _sign_in(http, agent.email)
    for body in ({}, {"available": "yes"}, {"available": True, "extra": 1}):
        answer = await http.put("/api/v1/me/availability", json=body, headers=bearer(token))
        assert answer.status_code == 422, (body, answer.text)
    anonymous = await http.put("/api/v1/me/availability", json={"available": True})
    assert anonymous.status_code == 401
    forged = await http.put(
        "/api/v1/me/availability", json={"available": True}, headers=bearer("not-a-token")
    )
    assert forged.status_code == 401
    assert (await http.get("/api/v1/me", headers=bearer(token))).json()["available"] is False


async def test_a_starting_gateway_publishes_every_account(
    stack: Stack, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    """An account stored without its publish (a crash in between) reaches the roster when a
    gateway starts. This gateway has its own database and projection group."""
    database = f"dvika_test_roster_{uuid4().hex[:8]}"
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    identity = _identity(mongo, database)
    lost = await _account(identity, "agent")
    await identity.accounts.update_account(
        lost.id, {"available": True, "capacity": 2}, now=lost.updated_at
    )
    assert await _snapshots(bootstrap, lost.id) == []
    gateway = ServiceProcess(
        "gateway",
        free_port(),
        {
            **stack.env,
            "DVIKA_MONGODB_DATABASE": database,
            "DVIKA_PROJECTION_GROUP": f"dvika-gateway-projection-{database}",
        },
    )
    try:
        gateway.start()
        snapshot = await _newest(
            bootstrap, lost.id, "the start-up publish", available=True, capacity=2
        )
        assert snapshot.account_id == lost.id
    finally:
        gateway.stop()
        await mongo.drop_database(database)
