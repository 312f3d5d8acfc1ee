"""A customer rates a resolved ticket; agents see who else has a ticket open or is typing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from conftest import Stack, bearer
from support.tickets import submit_ticket

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


async def test_a_customer_rates_a_resolved_ticket_and_may_change_it_until_it_closes(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await submit_ticket(
            client, message="The mobile app logs me out.", subject="Logged out"
        )
        tid, customer = ticket["id"], {"token": ticket["tracking_token"]}
        rating = f"/api/v1/tickets/{tid}/rating"

        early = await client.post(rating, params=customer, json={"rating": "good"})
        assert early.status_code == 409
        assert "resolved" in early.json()["detail"]

        resolved = await client.patch(
            f"/api/v1/tickets/{tid}/status", json={"status": "resolved"}, headers=agent
        )
        assert resolved.status_code == 200, resolved.text
        wrong = await client.post(rating, params={"token": "x" * 43}, json={"rating": "good"})
        assert wrong.status_code == 404
        as_staff = await client.post(rating, headers=agent, json={"rating": "good"})
        assert as_staff.status_code == 404  # only the customer's token rates
        bad_value = await client.post(rating, params=customer, json={"rating": "meh"})
        assert bad_value.status_code == 422

        first = await client.post(
            rating, params=customer, json={"rating": "good", "comment": "Fixed fast"}
        )
        assert first.status_code == 200, first.text
        second = await client.post(rating, params=customer, json={"rating": "bad"})
        assert second.status_code == 200
        seen = await client.get(
            f"/api/v1/tickets/{tid}", params={**customer, "min_version": second.json()["version"]}
        )
        assert seen.json()["satisfaction"]["rating"] == "bad"
        assert seen.json()["satisfaction"]["comment"] is None

        closed = await client.patch(
            f"/api/v1/tickets/{tid}/status", json={"status": "closed"}, headers=agent
        )
        assert closed.status_code == 200
        late = await client.post(rating, params=customer, json={"rating": "good"})
        assert late.status_code == 409


async def _next_presence(ws: Any) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == "ticket.presence":
                return message


async def test_agents_see_each_other_viewing_and_typing_but_customers_never_do(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await submit_ticket(
            client, message="The mobile app logs me out.", subject="Presence"
        )
        tid = ticket["id"]
        me = (await client.get("/api/v1/auth/me", headers=bearer(staff_tokens["agent"]))).json()
        async with (
            websockets.connect(stack.staff_ws_url(staff_tokens["agent"])) as agent,
            websockets.connect(stack.staff_ws_url(staff_tokens["manager"])) as manager,
            websockets.connect(stack.customer_ws_url(tid, ticket["tracking_token"])) as customer,
        ):
            await agent.send("not json")  # ignored, the connection stays
            await agent.send(json.dumps({"type": "presence", "ticket": "nope", "activity": "x"}))
            await customer.send(
                json.dumps({"type": "presence", "ticket": tid, "activity": "typing"})
            )
            for activity in ("viewing", "typing"):
                await agent.send(
                    json.dumps({"type": "presence", "ticket": tid, "activity": activity})
                )
                seen = await _next_presence(manager)
                assert (seen["ticket_id"], seen["activity"]) == (tid, activity)
                assert (seen["agent_id"], seen["agent_name"]) == (me["id"], me["name"])
            # The customer's next message is the agent's public reply, never a presence signal.
            posted = await client.post(
                f"/api/v1/tickets/{tid}/reply",
                json={"from": "agent", "message": "On it"},
                headers=bearer(staff_tokens["agent"]),
            )
            assert posted.status_code == 201
            async with asyncio.timeout(10):
                first = json.loads(await customer.recv())
            assert first["type"] == "ticket.reply"
