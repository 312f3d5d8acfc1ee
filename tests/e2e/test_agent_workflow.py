"""An agent works a ticket over HTTP; the customer follows it with the tracking token."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from conftest import Stack, bearer
from support.tickets import submit_ticket
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


async def test_agent_moves_a_ticket_through_its_lifecycle(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await submit_ticket(client, "CSV export broken")
        tid, customer = ticket["id"], {"token": ticket["tracking_token"]}
        me = (await client.get("/api/v1/auth/me", headers=agent)).json()

        assignment = {"assignee": me["id"], "queue": "technical"}
        steps = [
            ("PATCH", f"/api/v1/tickets/{tid}/status", {"status": "open"}),
            ("PATCH", f"/api/v1/tickets/{tid}/assign", assignment),
            ("PATCH", f"/api/v1/tickets/{tid}", {"priority": "P2", "add_tags": ["export", "csv"]}),
            ("PATCH", f"/api/v1/tickets/{tid}/status", {"status": "in_progress"}),
            ("POST", f"/api/v1/tickets/{tid}/reply",
             {"from": "agent", "message": "Customer on legacy plan", "internal": True}),
            ("PATCH", f"/api/v1/tickets/{tid}/status", {"status": "on_hold"}),
        ]  # fmt: skip
        for method, path, body in steps:
            response = await client.request(method, path, json=body, headers=agent)
            assert response.status_code in (200, 201), (path, response.text)

        # The customer's reply brings the ticket back from on_hold.
        replied = await client.post(
            f"/api/v1/tickets/{tid}/reply",
            params=customer,
            json={"from": "customer", "message": "Here is the file."},
        )
        assert replied.status_code == 201

        staff_view = (
            await client.get(f"/api/v1/tickets/{tid}?min_version={replied.json()['version']}",
                             headers=agent)
        ).json()  # fmt: skip
        assert staff_view["status"] == "open"
        assert staff_view["assignee"] == me["id"]
        assert (staff_view["queue"], staff_view["priority"]) == ("technical", "P2")
        assert staff_view["tags"] == ["export", "csv"]
        assert [m["internal"] for m in staff_view["thread"]] == [False, True, False]

        public = (await client.get(f"/api/v1/tickets/{tid}", params=customer)).json()
        assert "Customer on legacy plan" not in json.dumps(public)
        assert [m["from"] for m in public["thread"]] == ["customer", "customer"]

        history = (await client.get(f"/api/v1/tickets/{tid}/history", headers=agent)).json()
        assert [h["type"] for h in history["items"]][:3] == [
            "ticket.submitted", "ticket.status_changed", "ticket.assigned"
        ]  # fmt: skip


async def test_invalid_transitions_answer_409_with_the_reason(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        tid = (await submit_ticket(client, "Will be closed"))["id"]
        resolved = await client.patch(
            f"/api/v1/tickets/{tid}/status", json={"status": "resolved"}, headers=agent
        )
        assert resolved.status_code == 200
        to_hold = await client.patch(
            f"/api/v1/tickets/{tid}/status", json={"status": "on_hold"}, headers=agent
        )
        assert to_hold.status_code == 409
        assert "cannot go from resolved to on_hold" in to_hold.json()["detail"]
        closed = await client.patch(
            f"/api/v1/tickets/{tid}/status", json={"status": "closed"}, headers=agent
        )
        assert closed.status_code == 200
        reopen = await client.patch(
            f"/api/v1/tickets/{tid}/status", json={"status": "open"}, headers=agent
        )
        assert reopen.status_code == 409
        assert "closed, which is final" in reopen.json()["detail"]
        escalate = await client.post(
            f"/api/v1/tickets/{tid}/escalate",
            json={"reason": "too late", "tier": "L2"},
            headers=agent,
        )
        assert escalate.status_code == 409


async def test_customers_need_the_right_token_and_anonymous_callers_cannot_act(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await submit_ticket(client, "Token please")
        tid = ticket["id"]
        other = await submit_ticket(client, "Someone else's")
        for params in ({}, {"token": "guess"}, {"token": other["tracking_token"]}):
            read = await client.get(f"/api/v1/tickets/{tid}", params=params)
            assert read.status_code == 404
            assert read.json()["detail"] == "no such ticket"
        by_header = await client.get(
            f"/api/v1/tickets/{ticket['reference']}",
            headers={"X-Tracking-Token": ticket["tracking_token"]},
        )
        assert by_header.status_code == 200
        forged = await client.post(
            f"/api/v1/tickets/{tid}/reply",
            params={"token": other["tracking_token"]},
            json={"from": "customer", "message": "let me in"},
        )
        assert forged.status_code == 404
        as_agent = await client.post(
            f"/api/v1/tickets/{tid}/reply",
            params={"token": ticket["tracking_token"]},
            json={"from": "agent", "message": "I am totally an agent"},
        )
        assert as_agent.status_code == 401
        anonymous = await client.patch(f"/api/v1/tickets/{tid}/status", json={"status": "open"})
        assert anonymous.status_code == 401


async def test_internal_notes_reach_staff_but_never_the_customers_feed(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await submit_ticket(client, "Secret notes")
        tid = ticket["id"]
        async with (
            websockets.connect(stack.customer_ws_url(tid, ticket["tracking_token"])) as customer,
            websockets.connect(stack.staff_ws_url(staff_tokens["manager"])) as staff,
        ):
            for body in (
                {"from": "agent", "message": "NOTE-XYZZY internal", "internal": True},
                {"from": "agent", "message": "Public answer"},
            ):
                posted = await client.post(f"/api/v1/tickets/{tid}/reply", json=body, headers=agent)
                assert posted.status_code == 201
            seen_by_customer = await _until(customer, "Public answer")
            seen_by_staff = await _until(staff, "Public answer")
    assert not any("NOTE-XYZZY" in m for m in seen_by_customer)
    assert all(json.loads(m)["ticket"]["id"] == tid for m in seen_by_customer)
    assert any("NOTE-XYZZY" in m and '"ticket.note"' in m for m in seen_by_staff)


async def test_the_feed_turns_away_callers_without_credentials(stack: Stack) -> None:
    for url in (
        stack.ws_url,
        stack.staff_ws_url("not-a-jwt"),
        stack.customer_ws_url("6f1c9d0e-5a47-4c8e-9d43-2b8f0f7d1c11", "guess"),
    ):
        async with websockets.connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


async def _until(ws: Any, text: str) -> list[str]:
    """Every message up to and including the first that contains `text` (10 s at most)."""
    seen: list[str] = []
    async with asyncio.timeout(10):
        while not seen or text not in seen[-1]:
            seen.append(str(await ws.recv()))
    return seen


@pytest.mark.parametrize("key", ["not-a-ticket", "DVK-12x", "%00", "' OR 1=1"])
async def test_malformed_ticket_keys_answer_422(stack: Stack, key: str) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        response = await client.get(f"/api/v1/tickets/{key}")
    assert response.status_code == 422


async def test_a_customer_writing_to_a_closed_ticket_gets_a_linked_follow_up(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await submit_ticket(client, "Closed too soon")
        tid, customer = ticket["id"], {"token": ticket["tracking_token"]}
        closed = await client.patch(
            f"/api/v1/tickets/{tid}/status", json={"status": "closed"}, headers=agent
        )
        assert closed.status_code == 200
        wrote = await client.post(
            f"/api/v1/tickets/{tid}/reply",
            params=customer,
            json={"from": "customer", "message": "It broke again today."},
        )
        assert wrote.status_code == 201, wrote.text
        follow_up = wrote.json()["follow_up"]
        new = await client.get(
            f"/api/v1/tickets/{follow_up['id']}",
            params={"token": follow_up["tracking_token"], "min_version": 1},
        )
        assert new.status_code == 200, new.text
        assert new.json()["follow_up_of"] == tid
        assert new.json()["subject"].startswith(f"Follow-up to {ticket['reference']}")
        assert [m["message"] for m in new.json()["thread"]] == ["It broke again today."]
        old = await client.get(
            f"/api/v1/tickets/{tid}", params={**customer, "min_version": wrote.json()["version"]}
        )
        assert old.json()["status"] == "closed"
        assert old.json()["follow_ups"] == [follow_up["id"]]


async def test_merging_a_duplicate_moves_its_thread_and_closes_it_with_a_link(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        original = await submit_ticket(client, "Invoices do not download")
        duplicate = await submit_ticket(client, "Invoice download broken (again)")
        dup_id, target_id = duplicate["id"], original["id"]
        note = await client.post(
            f"/api/v1/tickets/{dup_id}/reply",
            json={"from": "agent", "message": "Same customer as the other one", "internal": True},
            headers=agent,
        )
        assert note.status_code == 201, note.text
        await client.get(f"/api/v1/tickets/{dup_id}?min_version=2", headers=agent)

        merged = await client.post(
            f"/api/v1/tickets/{dup_id}/merge", json={"into": original["reference"]}, headers=agent
        )
        assert merged.status_code == 200, merged.text
        assert merged.json()["merged_into"] == {"id": target_id, "reference": original["reference"]}

        closed = await client.get(
            f"/api/v1/tickets/{dup_id}",
            params={"token": duplicate["tracking_token"], "min_version": merged.json()["version"]},
        )
        assert closed.json()["status"] == "closed"
        assert closed.json()["merged_into"]["reference"] == original["reference"]

        # The thread moves asynchronously (a handover command to the target's partition).
        target: dict[str, Any] = {}
        for _ in range(100):
            target = (
                await client.get(f"/api/v1/tickets/{target_id}?min_version=2", headers=agent)
            ).json()
            if target["version"] >= 2:
                break
        assert target["merged_from"] == [{"id": dup_id, "reference": duplicate["reference"]}]
        moved = [m for m in target["thread"] if m.get("merged_from") == duplicate["reference"]]
        assert [(m["from"], m["internal"]) for m in moved] == [("customer", False), ("agent", True)]
        public = (
            await client.get(
                f"/api/v1/tickets/{target_id}", params={"token": original["tracking_token"]}
            )
        ).json()
        assert "Same customer as the other one" not in json.dumps(public)
        assert len(public["thread"]) == 2

        # The list reads the gateway's listing index, which folds the log on its own.
        async def found_by_the_duplicates_reference() -> bool:
            found = await client.get(
                "/api/v1/tickets",
                params={"view": "all", "q": duplicate["reference"]},
                headers=bearer(staff_tokens["manager"]),
            )
            return target_id in [t["id"] for t in found.json()["items"]]

        await eventually(found_by_the_duplicates_reference, timeout_s=15, what="search finds it")

        # Merging again, into itself, or into a closed or unknown ticket is refused with a reason.
        again = await client.post(
            f"/api/v1/tickets/{dup_id}/merge", json={"into": target_id}, headers=agent
        )
        assert again.status_code == 409
        assert "closed" in again.json()["detail"]
        itself = await client.post(
            f"/api/v1/tickets/{target_id}/merge", json={"into": target_id}, headers=agent
        )
        assert itself.status_code == 422
        into_closed = await client.post(
            f"/api/v1/tickets/{target_id}/merge", json={"into": dup_id}, headers=agent
        )
        assert into_closed.status_code == 409
        unknown = await client.post(
            f"/api/v1/tickets/{target_id}/merge", json={"into": "DVK-999999"}, headers=agent
        )
        assert unknown.status_code == 404
