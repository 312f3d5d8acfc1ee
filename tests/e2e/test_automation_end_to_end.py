"""Routing and SLA against the real servers: keywords pick the queue, tags and priority, an
available agent gets the ticket, and the read API shows the SLA due times."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from conftest import Stack, bearer
from support.tickets import submit_ticket
from support.waiting import eventually

if TYPE_CHECKING:
    from e2e.conftest_automation import Automation

pytest_plugins = ["e2e.conftest_automation"]


async def _staff_view(
    client: httpx.AsyncClient, ticket_id: str, token: str
) -> dict[str, Any] | None:
    answer = await client.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
    if answer.status_code == 404:  # the read model has not caught up with the submission
        return None
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_refund_lands_in_billing_assigned_with_sla_due_times(
    stack: Stack, staff_tokens: dict[str, str], automation: Automation
) -> None:
    agent = staff_tokens["agent"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        me = await client.put(
            "/api/v1/me/availability", json={"available": True}, headers=bearer(agent)
        )
        assert me.status_code == 200, me.text
        agent_id = me.json()["id"]
        created = await submit_ticket(
            client, "Refund for a double charge", "Please refund the second invoice."
        )

        async def routed_and_timed() -> dict[str, Any] | None:
            view = await _staff_view(client, created["id"], agent)
            ready = view and view.get("assignee") and view.get("sla") and view.get("routing")
            return view if ready else None

        view = await eventually(routed_and_timed, timeout_s=30, what="routing, assignment, SLA")
    assert view["queue"] == "billing"
    assert "billing" in view["tags"]
    assert view["routing"]["rule"] != "default"
    assert view["assignee"] == agent_id
    first = view["sla"]["first_response"]
    resolution = view["sla"]["resolution"]
    assert first["state"] == "ok"
    assert first["due_at"] is not None
    assert resolution["due_at"] is not None
    submitted = datetime.fromisoformat(view["created_at"])
    assert submitted < datetime.fromisoformat(first["due_at"])
    assert datetime.fromisoformat(first["due_at"]) <= datetime.fromisoformat(resolution["due_at"])


async def test_an_outage_becomes_p1_and_is_escalated_at_once(
    stack: Stack, staff_tokens: dict[str, str], automation: Automation
) -> None:
    manager = staff_tokens["manager"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        created = await submit_ticket(
            client, "Total outage", "The dashboard is down for all of our users.", priority="P3"
        )

        async def escalated() -> dict[str, Any] | None:
            view = await _staff_view(client, created["id"], manager)
            if not view or view["status"] != "escalated" or not view.get("sla"):
                return None
            # The SLA service first times the ticket as submitted (P3), then again as P1.
            return view if view["sla"]["first_response"]["policy"].endswith("P1") else None

        view = await eventually(escalated, timeout_s=30, what="the P1 escalation")
        escalations = await client.get(
            "/api/v1/tickets", params={"view": "escalations"}, headers=bearer(manager)
        )
    assert view["priority"] == "P1"
    assert view["routing"]["matched"].endswith(("outage", "down"))
    assert view["sla"]["first_response"]["policy"].endswith("P1")
    assert created["id"] in {t["id"] for t in escalations.json()["items"]}
