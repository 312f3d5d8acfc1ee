"""The whole path: HTTP submit → Kafka → tickets → events → read model and WebSocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from conftest import Stack, bearer

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


async def _next_of_type(ws: Any, type_: str, ticket_id: str) -> dict[str, Any]:
    async with asyncio.timeout(15):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == type_ and message["ticket"]["id"] == ticket_id:
                return message  # type: ignore[no-any-return]


async def test_ticket_posted_over_http_is_readable_and_pushed_live(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    async with (
        websockets.connect(stack.staff_ws_url(staff_tokens["agent"])) as ws,
        httpx.AsyncClient(base_url=stack.url, timeout=15) as client,
    ):
        created = await client.post(
            "/api/v1/tickets",
            json={
                "customer": {
                    "name": "Grace Hopper",
                    "email": "grace@example.com",
                    "phone": "+1 555 0100",
                },
                "category": "technical",
                "priority": "high",
                "subject": "Moth in the relay",
                "message": "Found a bug. Literally.",
            },
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["version"] == 1
        assert body["reference"].startswith("DVK-")

        token = {"token": body["tracking_token"]}
        assert body["tracking_url"].endswith(f"{body['reference']}?token={body['tracking_token']}")
        read = await client.get(f"/api/v1/tickets/{body['id']}", params={"min_version": 1, **token})
        assert read.status_code == 200
        ticket = read.json()
        assert ticket["reference"] == body["reference"]
        assert ticket["priority"] == "P2"
        assert ticket["status"] == "new"
        assert [m["message"] for m in ticket["thread"]] == ["Found a bug. Literally."]

        by_reference = await client.get(f"/api/v1/tickets/{body['reference']}", params=token)
        assert by_reference.json()["id"] == body["id"]

        pushed = await _next_of_type(ws, "ticket.new", body["id"])
        assert pushed["ticket"]["subject"] == "Moth in the relay"

        replied = await client.post(
            f"/api/v1/tickets/{body['id']}/reply",
            json={"from": "agent", "message": "Taped it."},
            headers=bearer(staff_tokens["agent"]),
        )
        assert replied.status_code == 201
        assert replied.json()["version"] == 2

        live_reply = await _next_of_type(ws, "ticket.reply", body["id"])
        assert live_reply["message"]["from"] == "agent"
        assert live_reply["message"]["message"] == "Taped it."

        after = await client.get(
            f"/api/v1/tickets/{body['id']}", params={"min_version": 2, **token}
        )
        assert [m["from"] for m in after.json()["thread"]] == ["customer", "agent"]


async def test_idempotency_key_makes_a_retried_post_return_the_same_ticket(stack: Stack) -> None:
    payload = {
        "customer": {"name": "Retry", "email": "retry@example.com"},
        "subject": "Flaky network",
        "message": "Sent twice",
    }
    headers = {"Idempotency-Key": "e2e-retry-1"}
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        first = await client.post("/api/v1/tickets", json=payload, headers=headers)
        second = await client.post("/api/v1/tickets", json=payload, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()


async def test_health_and_readiness(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        for service in (stack.gateway, stack.tickets):
            assert (await client.get(f"{service.url}/healthz")).status_code == 200
            assert (await client.get(f"{service.url}/readyz")).status_code == 200
            metrics = await client.get(f"{service.url}/metrics")
            assert "dvika_messages_consumed_total" in metrics.text
