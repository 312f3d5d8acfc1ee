"""Macros over HTTP: a manager shares one, an agent applies it in one step, and a macro that
would break the lifecycle changes nothing and says which step failed."""

from __future__ import annotations

from typing import Any

import httpx

from conftest import Stack, bearer
from support.tickets import submit_ticket
from support.waiting import eventually


async def _ticket_at(
    client: httpx.AsyncClient, ticket_id: str, version: int, token: str
) -> dict[str, Any]:
    answer = await client.get(
        f"/api/v1/tickets/{ticket_id}", params={"min_version": version}, headers=bearer(token)
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_shared_macro_applies_all_its_actions_at_once(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    manager, agent = staff_tokens["manager"], staff_tokens["agent"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        made = await client.post(
            "/api/v1/macros",
            json={
                "name": "Ask for logs",
                "scope": "shared",
                "actions": [
                    {
                        "action": "reply",
                        "message": "Hi {{customer.name}}, logs for {{ticket.reference}}?",
                    },
                    {"action": "reply", "message": "asked for logs", "internal": True},
                    {"action": "set_status", "status": "on_hold", "reason": "waiting for logs"},
                    {"action": "add_tags", "tags": ["logs-requested"]},
                ],
            },
            headers=bearer(manager),
        )
        assert made.status_code == 201, made.text
        macro = made.json()
        listed = await client.get("/api/v1/macros", headers=bearer(agent))
        assert macro["id"] in {m["id"] for m in listed.json()}
        created = await submit_ticket(client, "Export fails")
        applied = await client.post(
            f"/api/v1/tickets/{created['id']}/macros/{macro['id']}", headers=bearer(agent)
        )
        assert applied.status_code == 200, applied.text
        assert applied.json()["version"] == created["version"] + 4
        ticket = await _ticket_at(client, created["id"], applied.json()["version"], agent)
        history = await client.get(
            f"/api/v1/tickets/{created['id']}/history", headers=bearer(agent)
        )
    assert ticket["status"] == "on_hold"
    assert "logs-requested" in ticket["tags"]
    replies = [m for m in ticket["thread"] if m["from"] == "agent"]
    assert replies[0]["message"] == f"Hi Lin Customer, logs for {created['reference']}?"
    assert replies[1]["internal"] is True
    steps = [e for e in history.json()["items"] if e["version"] > created["version"]]
    assert len(steps) == 4
    assert len({e["command_id"] for e in steps}) == 1  # one step in the history


async def test_a_macro_with_a_forbidden_step_changes_nothing(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    manager = staff_tokens["manager"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        made = await client.post(
            "/api/v1/macros",
            json={
                "name": "Close then reopen",
                "actions": [
                    {"action": "reply", "message": "Closing."},
                    {"action": "set_status", "status": "closed"},
                    {"action": "set_status", "status": "open"},
                ],
            },
            headers=bearer(manager),
        )
        assert made.status_code == 201, made.text
        created = await submit_ticket(client, "Printer jam")
        refused = await client.post(
            f"/api/v1/tickets/{created['id']}/macros/{made.json()['id']}", headers=bearer(manager)
        )
        assert refused.status_code == 409
        assert "step 3" in refused.json()["detail"]

        async def visible() -> dict[str, Any] | None:
            found = await client.get(f"/api/v1/tickets/{created['id']}", headers=bearer(manager))
            return found.json() if found.status_code == 200 else None

        ticket = await eventually(visible, timeout_s=10, what="the ticket in the read model")
    assert ticket["version"] == created["version"]
    assert ticket["status"] == "new"


async def test_agents_cannot_share_and_typos_in_placeholders_are_refused(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = staff_tokens["agent"]
    reply = [{"action": "reply", "message": "Hi {{customer.nmae}}"}]
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        shared = await client.post(
            "/api/v1/macros",
            json={
                "name": "x",
                "scope": "shared",
                "actions": [{"action": "set_priority", "priority": "P2"}],
            },
            headers=bearer(agent),
        )
        typo = await client.post(
            "/api/v1/macros", json={"name": "x", "actions": reply}, headers=bearer(agent)
        )
        anonymous = await client.get("/api/v1/macros")
    assert shared.status_code == 403
    assert typo.status_code == 422
    assert "customer.nmae" in typo.json()["detail"]
    assert anonymous.status_code == 401
