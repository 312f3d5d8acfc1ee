"""Console notifications end to end, on real Kafka and MongoDB: notify (its own process, fresh
database and consumer group, an admin token) decides an agent's feed items and publishes each
new one; a gateway of this module's own (pointed at that notify, with the same token) pushes
it to the agent's staff WebSocket, and serves the agent's feed and its unread count."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest
import websockets

from conftest import DEMO_PASSWORD, STAFF_ROLES, Stack, bearer
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

ADMIN_TOKEN = f"notify-admin-{uuid4().hex}"
PUSH_WAIT_S = 30


@dataclass
class Services:
    notify: ServiceProcess
    gateway: ServiceProcess
    tokens: dict[str, str]

    def ws_url(self, role: str) -> str:
        return f"ws://127.0.0.1:{self.gateway.port}/ws?access_token={self.tokens[role]}"


@pytest.fixture(scope="module")
def services(stack: Stack, staff_tokens: dict[str, str]) -> Iterator[Services]:
    # staff_tokens: the demo accounts exist (tokens of the stack's gateway do not work here).
    notify = ServiceProcess(
        "notify",
        free_port(),
        {
            **stack.env,
            "DVIKA_MONGODB_DATABASE": f"dvika_notify_{uuid4().hex[:8]}",
            "DVIKA_NOTIFY_EVENTS_GROUP": f"notify-console-{uuid4().hex[:8]}",
            # Nobody listens there: mails wait and retry rarely, which is not this test's part.
            "DVIKA_NOTIFY_SMTP_PORT": str(free_port()),
            "DVIKA_NOTIFY_SMTP_LOCAL_HOSTNAME": "localhost",
            "DVIKA_NOTIFY_RETRY_BASE_S": "30",
            "DVIKA_NOTIFY_ROSTER_WAIT_S": "5",
            "DVIKA_NOTIFY_DIGEST_ENABLED": "false",
            "DVIKA_NOTIFY_ADMIN_TOKEN": ADMIN_TOKEN,
        },
    )
    gateway = ServiceProcess(
        "gateway",
        free_port(),
        {**stack.env, "DVIKA_NOTIFY_URL": notify.url, "DVIKA_NOTIFY_ADMIN_TOKEN": ADMIN_TOKEN},
    )
    try:
        notify.start()
        gateway.start()
        tokens = {}
        for role in STAFF_ROLES:
            login = httpx.post(
                f"{gateway.url}/api/v1/auth/login",
                json={"email": f"{role}@demo.dvika.care", "password": DEMO_PASSWORD},
                timeout=10,
            )
            assert login.status_code == 200, login.text
            tokens[role] = login.json()["access_token"]
        yield Services(notify, gateway, tokens)
    finally:
        gateway.stop()
        notify.stop()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=services.gateway.url, timeout=15) as http:
        yield http


async def caught_up(notify: ServiceProcess) -> None:
    """Notify has read the log other tests wrote (their items are not this test's)."""

    async def no_lag() -> bool:
        async with httpx.AsyncClient(timeout=5) as http:
            found = (await http.get(f"{notify.url}/status")).json()
        return bool(found["lag"] == 0)

    await eventually(no_lag, timeout_s=60, what="notify reading the whole event log")


async def next_notification(ws: Any, ticket_id: str, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(PUSH_WAIT_S):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] != "notification":
                continue
            item = message["item"]
            if item["ticket_id"] == ticket_id and item["kind"] == kind:
                return message


async def feed(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    answer = await client.get("/api/v1/notifications", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_an_assignment_and_a_customer_reply_reach_the_agents_console(
    services: Services, client: httpx.AsyncClient
) -> None:
    agent, manager = services.tokens["agent"], services.tokens["manager"]
    me = (await client.get("/api/v1/auth/me", headers=bearer(agent))).json()
    await caught_up(services.notify)
    # Start from nothing unread, so the counts below are this test's alone.
    cleared = await client.post("/api/v1/notifications/read", json={}, headers=bearer(agent))
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {"unread": 0}

    async with (
        websockets.connect(services.ws_url("agent")) as agent_ws,
        websockets.connect(services.ws_url("manager")) as manager_ws,
    ):
        created = await client.post(
            "/api/v1/tickets",
            json={
                "customer": {"name": "Ada Lovelace", "email": f"ada-{uuid4().hex[:8]}@example.com"},
                "subject": "Printer on fire",
                "message": "Smoke everywhere.",
            },
        )
        assert created.status_code == 201, created.text
        ticket = created.json()
        assigned = await client.patch(
            f"/api/v1/tickets/{ticket['id']}/assign",
            json={"assignee": me["id"]},
            headers=bearer(manager),
        )
        assert assigned.status_code == 200, assigned.text

        pushed = await next_notification(agent_ws, ticket["id"], "assigned")
        assert pushed["unread"] == 1
        item = pushed["item"]
        assert item["account_id"] == me["id"]
        assert item["reference"] == ticket["reference"]
        assert item["subject"] == "Printer on fire"
        assert item["text"] == f"{ticket['reference']} was assigned to you"

        found = await feed(client, agent)
        assert found["unread"] == 1
        [listed] = [i for i in found["items"] if i["ticket_id"] == ticket["id"]]
        assert (listed["key"], listed["kind"], listed["read"]) == (item["key"], "assigned", False)

        read = await client.post("/api/v1/notifications/read", json={}, headers=bearer(agent))
        assert read.json() == {"unread": 0}
        found = await feed(client, agent)
        assert found["unread"] == 0
        assert all(i["read"] for i in found["items"])

        replied = await client.post(
            f"/api/v1/tickets/{ticket['id']}/reply",
            params={"token": ticket["tracking_token"]},
            json={"from": "customer", "message": "It is still smoking."},
        )
        assert replied.status_code == 201, replied.text
        reply = await next_notification(agent_ws, ticket["id"], "customer_replied")
        assert reply["unread"] == 1
        assert reply["item"]["text"] == f"Ada Lovelace replied on {ticket['reference']}"

        # The manager's console heard the ticket's events, but none of the agent's items.
        async def manager_messages() -> list[dict[str, Any]]:
            heard: list[dict[str, Any]] = []
            try:
                async with asyncio.timeout(1):
                    while True:
                        heard.append(json.loads(await manager_ws.recv()))
            except TimeoutError:
                return heard

        heard = await manager_messages()
        assert any(m.get("ticket", {}).get("id") == ticket["id"] for m in heard)
        assert not [m for m in heard if m["type"] == "notification"]

    # Marking one item by its key.
    only = await client.post(
        "/api/v1/notifications/read",
        json={"keys": [reply["item"]["key"]]},
        headers=bearer(agent),
    )
    assert only.json() == {"unread": 0}


async def test_the_feed_is_for_staff_and_bad_input_is_refused(
    services: Services, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/api/v1/notifications")).status_code == 401
    assert (await client.post("/api/v1/notifications/read", json={})).status_code == 401
    engineer = bearer(services.tokens["engineer"])
    # Any staff role has a feed of its own.
    assert (await client.get("/api/v1/notifications", headers=engineer)).status_code == 200
    bad = await client.post("/api/v1/notifications/read", json={"keys": [""]}, headers=engineer)
    assert bad.status_code == 422
    too_many = await client.get("/api/v1/notifications?limit=1000", headers=engineer)
    assert too_many.status_code == 422
    # Notify's own API refuses a caller without its admin token.
    async with httpx.AsyncClient(base_url=services.notify.url, timeout=5) as notify:
        assert (await notify.get("/feed/anyone")).status_code == 401


async def test_admins_see_and_retry_deliveries_through_the_gateway(
    services: Services, client: httpx.AsyncClient
) -> None:
    admin = bearer(services.tokens["admin"])
    listed = await client.get("/api/v1/admin/deliveries?status=sent", headers=admin)
    assert listed.status_code == 200, listed.text
    assert all(item["status"] == "sent" for item in listed.json()["items"])
    assert (
        await client.get("/api/v1/admin/deliveries?status=lost", headers=admin)
    ).status_code == 422
    unknown = await client.post("/api/v1/admin/deliveries/no-such-id/retry", headers=admin)
    assert unknown.status_code == 404
    agent = bearer(services.tokens["agent"])
    assert (await client.get("/api/v1/admin/deliveries", headers=agent)).status_code == 403


async def test_a_notify_that_is_down_answers_503_with_the_reason(
    services: Services, client: httpx.AsyncClient
) -> None:
    services.notify.stop()
    agent = bearer(services.tokens["agent"])
    down = await client.get("/api/v1/notifications", headers=agent)
    assert down.status_code == 503
    assert "notify" in down.json()["detail"]
    marked = await client.post("/api/v1/notifications/read", json={}, headers=agent)
    assert marked.status_code == 503
