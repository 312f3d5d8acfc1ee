"""SLA clocks, a breach and a routing decision, end to end: automation's commands go onto
the command topic (as the SLA and routing services send them), the tickets service turns
them into events, and the gateway's read model shows them: the ticket's `sla` block and
`routing`, the SLA Breaches view, and the `sla_due` sort (from the listing index over HTTP,
and from the MongoDB read model's own queries on FerretDB)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE, Stack, bearer
from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS
from contracts.values import Actor
from gateway.adapters.ticket_queries import count_views, fetch_page
from gateway.adapters.ticket_store import TicketStore
from gateway.domain.ticket_query import TicketQuery, parse_filters
from support.kafka_tools import producer, send_command
from support.tickets import submit_ticket
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

SLA = Actor(kind="system", id="sla")
ROUTING = Actor(kind="system", id="routing")


def command(ticket_id: str, type_: str, payload: dict[str, Any], actor: Actor) -> CommandEnvelope:
    """As automation sends it: no reply wanted, an id derived from what caused it."""
    command_id = uuid5(NAMESPACE_URL, f"test:{ticket_id}:{type_}:{sorted(payload.items())}")
    return CommandEnvelope(
        command_id=command_id,
        type=type_,
        ticket_id=UUID(ticket_id),
        issued_at=datetime.now(UTC),
        actor=actor,
        correlation_id=command_id,
        reply_to=None,
        payload=payload,
    )


def clocks(first_due: datetime, resolution_due: datetime) -> dict[str, Any]:
    return {
        "clocks": [
            {
                "target": "first_response",
                "policy": "P2",
                "target_minutes": 240,
                "business_hours": True,
                "due_at": first_due.isoformat(),
            },
            {
                "target": "resolution",
                "policy": "P2",
                "target_minutes": 2880,
                "due_at": resolution_due.isoformat(),
            },
        ]
    }


@pytest.fixture
async def kafka(stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    made = await producer(stack.env["KAFKA_BOOTSTRAP_SERVERS"])
    yield made
    await made.stop()


async def _ticket(client: httpx.AsyncClient, ticket_id: str, headers: dict[str, str]) -> Any:
    answer = await client.get(f"/api/v1/tickets/{ticket_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_clocks_a_breach_and_routing_reach_the_read_api(
    stack: Stack, staff_tokens: dict[str, str], kafka: AIOKafkaProducer
) -> None:
    manager = bearer(staff_tokens["manager"])
    word = f"slacheck{uuid4().hex[:8]}"
    now = datetime.now(UTC).replace(microsecond=0)
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        late = await submit_ticket(client, f"Refund overdue {word}", "Please refund me.")
        later = await submit_ticket(client, f"Invoice question {word}", "Where is it?")
        no_clock = await submit_ticket(client, f"Just asking {word}", "Hello.")
        breached_due = now - timedelta(minutes=5)
        sent = [
            command(
                late["id"],
                "ticket.route",
                {"queue": "billing", "rule": "billing", "matched": "refund"},
                ROUTING,
            ),
            command(
                late["id"],
                "ticket.set_sla_clocks",
                clocks(breached_due, now + timedelta(days=2)),
                SLA,
            ),
            command(
                late["id"],
                "ticket.record_sla_breach",
                {"target": "first_response", "due_at": breached_due.isoformat()},
                SLA,
            ),
            command(
                later["id"],
                "ticket.set_sla_clocks",
                clocks(now + timedelta(hours=3), now + timedelta(days=3)),
                SLA,
            ),
        ]
        for envelope in sent:
            await send_command(kafka, TICKET_COMMANDS.name, envelope)

        async def breached_ticket() -> Any:
            ticket = await _ticket(client, late["id"], manager)
            first = ((ticket.get("sla") or {}).get("first_response")) or {}
            return ticket if first.get("state") == "breached" else None

        ticket = await eventually(breached_ticket, timeout_s=30, what="the breach in the ticket")
        first, resolution = ticket["sla"]["first_response"], ticket["sla"]["resolution"]
        assert datetime.fromisoformat(first["due_at"]) == breached_due
        assert first["breached_at"] is not None
        assert (first["policy"], first["target_minutes"], first["business_hours"]) == (
            "P2",
            240,
            True,
        )
        assert resolution["state"] == "ok"
        assert ticket["sla_breached"] is True
        assert ticket["sla_state"] == "breached"
        assert datetime.fromisoformat(ticket["sla_due"]) == breached_due
        assert ticket["status"] == "escalated"  # the breach escalated it (tier L2)
        assert ticket["queue"] == "billing"
        assert ticket["routing"]["rule"] == "billing"
        assert ticket["routing"]["matched"] == "refund"

        history = await client.get(f"/api/v1/tickets/{late['id']}/history", headers=manager)
        summaries = [h.get("summary") for h in history.json()["items"]]
        assert "Routed to queue billing by rule billing (matched “refund”)" in summaries
        assert any(s and s.startswith("SLA first response breached") for s in summaries)

        # The customer's copy shows none of it.
        public = await client.get(
            f"/api/v1/tickets/{late['id']}", params={"token": late["tracking_token"]}
        )
        assert public.status_code == 200
        assert not {"sla", "routing", "sla_due", "sla_breached"} & set(public.json())

        async def in_breaches_view() -> Any:
            page = await client.get(
                "/api/v1/tickets", params={"view": "sla_breaches", "q": word}, headers=manager
            )
            assert page.status_code == 200, page.text
            body = page.json()
            return body if [t["id"] for t in body["items"]] == [late["id"]] else None

        page = await eventually(in_breaches_view, timeout_s=30, what="the SLA Breaches view")
        assert page["counts"]["sla_breaches"] >= 1
        assert page["items"][0]["sla"]["first_response"]["state"] == "breached"

        async def sorted_by_due() -> list[str] | None:
            answer = await client.get(
                "/api/v1/tickets",
                params={"view": "all", "q": word, "sort": "sla_due", "limit": 2},
                headers=manager,
            )
            seen = [t["id"] for t in answer.json()["items"]]
            cursor = answer.json()["next_cursor"]
            if cursor:
                more = await client.get(
                    "/api/v1/tickets",
                    params={
                        "view": "all",
                        "q": word,
                        "sort": "sla_due",
                        "limit": 2,
                        "cursor": cursor,
                    },
                    headers=manager,
                )
                seen += [t["id"] for t in more.json()["items"]]
            expected = [late["id"], later["id"], no_clock["id"]]
            return seen if seen == expected else None

        await eventually(sorted_by_due, timeout_s=30, what="the sla_due order over HTTP")

        at_risk = await client.get(
            "/api/v1/tickets",
            params={"view": "all", "q": word, "sla_state": "ok"},
            headers=manager,
        )
        assert [t["id"] for t in at_risk.json()["items"]] == [later["id"]]

        # A command sent again (same id) is deduplicated: the ticket does not change. The
        # warning after it, on the same partition, is handled after it: once it shows, the
        # resend has been handled too, and it added no event.
        version = ticket["version"]
        warning = command(
            late["id"],
            "ticket.record_sla_warning",
            {"target": "resolution", "due_at": (now + timedelta(days=2)).isoformat()},
            SLA,
        )
        for envelope in (sent[1], warning):
            await send_command(kafka, TICKET_COMMANDS.name, envelope)

        async def warned() -> Any:
            ticket = await _ticket(client, late["id"], manager)
            return ticket if ticket["sla"]["resolution"]["state"] == "at_risk" else None

        ticket = await eventually(warned, timeout_s=30, what="the warning after the resend")
        assert ticket["version"] == version + 1
        assert ticket["sla"]["first_response"]["state"] == "breached"  # kept by the warning


async def test_the_mongodb_read_model_answers_the_same_sla_queries(
    stack: Stack,
    staff_tokens: dict[str, str],
    kafka: AIOKafkaProducer,
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    """The list falls back to MongoDB until the listing index catches up: its queries (on
    FerretDB here) must give the same breaches and the same `sla_due` order."""
    manager = bearer(staff_tokens["manager"])
    word = f"mongosla{uuid4().hex[:8]}"
    now = datetime.now(UTC).replace(microsecond=0)
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        none = await submit_ticket(client, f"No clock {word}")
        soon = await submit_ticket(client, f"Soon {word}")
        overdue = await submit_ticket(client, f"Overdue {word}")
        due = now - timedelta(minutes=1)
        for envelope in (
            command(
                soon["id"],
                "ticket.set_sla_clocks",
                clocks(now + timedelta(hours=1), now + timedelta(days=1)),
                SLA,
            ),
            command(
                overdue["id"], "ticket.set_sla_clocks", clocks(due, now + timedelta(days=1)), SLA
            ),
            command(
                overdue["id"],
                "ticket.record_sla_breach",
                {"target": "first_response", "due_at": due.isoformat(), "escalate": False},
                SLA,
            ),
        ):
            await send_command(kafka, TICKET_COMMANDS.name, envelope)

        async def projected() -> Any:
            ticket = await _ticket(client, overdue["id"], manager)
            clocked = (await _ticket(client, soon["id"], manager)).get("sla")
            return ticket if ticket.get("sla_breached") and clocked else None

        ticket = await eventually(projected, timeout_s=30, what="the breach in MongoDB")
        assert ticket["status"] == "new"  # escalate=False: breached, not escalated

    collection = await TicketStore(mongo, TEST_DATABASE).active_collection()
    filters = parse_filters(q=word)
    by_due = TicketQuery(view="all", filters=filters, sort="sla_due", limit=2)
    seen: list[str] = []
    cursor = None
    while True:
        docs, position = await fetch_page(collection, by_due.plan(None, cursor))
        seen += [d["id"] for d in docs]
        if position is None:
            break
        cursor = by_due.encode_cursor(position)
    assert seen == [overdue["id"], soon["id"], none["id"]]

    breaches = TicketQuery(view="sla_breaches", filters=filters)
    docs, _ = await fetch_page(collection, breaches.plan(None))
    assert [d["id"] for d in docs] == [overdue["id"]]
    counts = await count_views(collection, {"sla_breaches": breaches.match(None)})
    assert counts == {"sla_breaches": 1}
