"""The routing service against real Kafka and MongoDB, beside the tickets service and gateway.

Routing runs as its own process with backfill off (tickets other tests made earlier are left
alone). The roster is fed by publishing AgentSnapshots to the agents topic, as the gateway
does; the outcome is read from the ticket event log, the record of what routing caused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from conftest import DEMO_PASSWORD, STAFF_ROLES, TEST_DATABASE, Stack, bearer
from contracts.agents import AgentSnapshot
from contracts.envelopes import DeadLetter, EventEnvelope
from contracts.topics import AGENTS, DEAD_LETTERS, TICKET_EVENTS
from routing.adapters.rules_store import COLLECTION, RulesStore, StaleVersion
from routing.domain.rules import RuleSet, parse_rules
from routing.domain.tracker import RoutingTracker
from routing.entrypoints.rules_keeper import RulesKeeper
from support.kafka_tools import producer, read_events, read_topic
from support.ports import free_port
from support.processes import ServiceProcess
from support.tickets import submit_ticket
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

RUN = uuid4().hex[:8]
BILLING_AGENTS = (f"rt-{RUN}-a", f"rt-{RUN}-b")
# The keepers' store is seeded before they start: a seed file is never read.
NO_SEED_FILE = Path("/nonexistent/rules.yaml")


def _snapshot(account_id: str, *, available: bool, active: bool = True) -> AgentSnapshot:
    return AgentSnapshot(
        account_id=account_id,
        name=f"Routing test {account_id}",
        role="agent",
        queues=("billing",),
        active=active,
        available=available,
        updated_at=datetime.now(UTC),
    )


async def _publish(kafka: AIOKafkaProducer, snapshot: AgentSnapshot) -> None:
    await kafka.send_and_wait(
        AGENTS.name, snapshot.model_dump_json().encode(), key=snapshot.account_id.encode()
    )


@dataclass
class Routing:
    process: ServiceProcess
    # A gateway of its own that forwards /api/v1/routing to this routing process.
    gateway: ServiceProcess
    kafka: AIOKafkaProducer


@pytest.fixture(scope="module")
async def tokens(routing: Routing, staff_tokens: dict[str, str]) -> dict[str, str]:
    """Access tokens of the demo accounts (made by `staff_tokens`) from routing's own
    gateway: each gateway process signs with its own development secret."""
    signed_in = {}
    async with httpx.AsyncClient(base_url=routing.gateway.url, timeout=10) as client:
        for role in STAFF_ROLES:
            login = await client.post(
                "/api/v1/auth/login",
                json={"email": f"{role}@demo.dvika.care", "password": DEMO_PASSWORD},
            )
            assert login.status_code == 200, login.text
            signed_in[role] = login.json()["access_token"]
    return signed_in


@pytest.fixture(scope="module")
async def routing(stack: Stack, mongo: AsyncMongoClient[dict[str, Any]]) -> AsyncIterator[Routing]:
    # Seeded afresh from the shipped YAML: the rules another run left behind do not count.
    await mongo[TEST_DATABASE][COLLECTION].drop()
    kafka = await producer(stack.env["KAFKA_BOOTSTRAP_SERVERS"])
    for account_id in BILLING_AGENTS:
        await _publish(kafka, _snapshot(account_id, available=True))
    process = ServiceProcess(
        "routing", free_port(), {**stack.env, "DVIKA_ROUTING_BACKFILL": "false"}
    )
    gateway = ServiceProcess(
        "gateway", free_port(), {**stack.env, "DVIKA_ROUTING_URL": process.url}
    )
    try:
        process.start()  # ready means caught up with both topics and routing
        gateway.start()
        yield Routing(process, gateway, kafka)
    finally:
        gateway.stop()
        process.stop()
        # Leave no available test agent behind for later tests' assignments.
        for account_id in BILLING_AGENTS:
            await _publish(kafka, _snapshot(account_id, available=False, active=False))
        await kafka.stop()


async def _events_of(bootstrap: str, ticket_id: str) -> list[EventEnvelope]:
    wanted = UUID(ticket_id)
    return [e for _, e in await read_events(bootstrap) if e.ticket_id == wanted]


async def _wait_for_events(
    stack: Stack, ticket_id: str, *types: str, what: str
) -> list[EventEnvelope]:
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]

    async def probe() -> list[EventEnvelope] | None:
        events = await _events_of(bootstrap, ticket_id)
        seen = {e.type for e in events}
        return events if all(t in seen for t in types) else None

    return await eventually(probe, timeout_s=30, interval_s=0.5, what=what)


def _one(events: list[EventEnvelope], type_: str) -> EventEnvelope:
    found = [e for e in events if e.type == type_]
    assert len(found) == 1, [e.type for e in events]
    return found[0]


async def _eligible(bootstrap: str, queue: str) -> set[str]:
    """Who may receive `queue`'s tickets now, by the newest snapshot per account."""
    newest: dict[str, AgentSnapshot] = {}
    for record in await read_topic(bootstrap, AGENTS.name, AGENTS.partitions):
        if record.value is None:
            newest.pop(record.key.decode(), None)
            continue
        snapshot = AgentSnapshot.model_validate_json(record.value)
        newest[snapshot.account_id] = snapshot
    return {s.account_id for s in newest.values() if s.active and s.available and queue in s.queues}


async def test_a_refund_lands_in_billing_with_its_tag_and_is_assigned(
    stack: Stack, routing: Routing
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        created = await submit_ticket(
            client, "Refund for a double charge", "Please refund the second payment."
        )
    events = await _wait_for_events(
        stack, created["id"], "ticket.routed", "ticket.auto_assigned", what="routing, assignment"
    )
    routed = _one(events, "ticket.routed")
    assert routed.payload["queue"] == "billing"
    assert routed.payload["rule"] == "billing"
    assert routed.actor.kind == "system"
    assert routed.actor.id == "routing"
    tags = _one(events, "ticket.tags_added")
    assert "billing" in tags.payload["tags"]
    assigned = _one(events, "ticket.auto_assigned")
    assert assigned.payload["queue"] == "billing"
    assert assigned.payload["strategy"] == "round_robin"
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    assert assigned.payload["assignee"] in await _eligible(bootstrap, "billing")
    assert not [e for e in events if e.type == "ticket.escalated"]


async def test_an_outage_becomes_p1_and_is_escalated(stack: Stack, routing: Routing) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        created = await submit_ticket(
            client, "Everything is down", "A complete outage since this morning.", priority="P3"
        )
    events = await _wait_for_events(
        stack, created["id"], "ticket.routed", "ticket.escalated", what="the P1 escalation"
    )
    assert _one(events, "ticket.routed").payload["queue"] == "general"
    priority = _one(events, "ticket.priority_changed")
    assert (priority.payload["from_priority"], priority.payload["to_priority"]) == ("P3", "P1")
    assert _one(events, "ticket.escalated").payload["tier"] == "L2"


async def test_an_agent_who_becomes_available_gets_the_waiting_ticket(
    stack: Stack, routing: Routing
) -> None:
    # Nobody serves "technical" in this run's roster until this agent says available.
    late = f"rt-{RUN}-tech"
    away = _snapshot(late, available=False).model_copy(update={"queues": ("technical",)})
    await _publish(routing.kafka, away)
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        created = await submit_ticket(client, "Crash on start", "The app shows an error.")
    events = await _wait_for_events(stack, created["id"], "ticket.routed", what="routing")
    assert _one(events, "ticket.routed").payload["queue"] == "technical"
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    if not await _eligible(bootstrap, "technical"):
        # Nobody may take it: it waits, unassigned (given the routed event's follow-ups time).
        events = await _events_of(bootstrap, created["id"])
        assert not [e for e in events if e.type == "ticket.auto_assigned"]
    try:
        await _publish(routing.kafka, away.model_copy(update={"available": True}))
        events = await _wait_for_events(
            stack, created["id"], "ticket.auto_assigned", what="assignment once available"
        )
        assigned = _one(events, "ticket.auto_assigned")
        assert assigned.payload["queue"] == "technical"
        assert assigned.payload["assignee"] in await _eligible(bootstrap, "technical")
    finally:
        await _publish(routing.kafka, away.model_copy(update={"active": False}))


async def test_an_unreadable_event_is_dead_lettered_and_routing_goes_on(
    stack: Stack, routing: Routing
) -> None:
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    key = f"routing-test-garbage-{RUN}"
    await routing.kafka.send_and_wait(TICKET_EVENTS.name, b"{not an event", key=key.encode())

    async def dead_letter() -> DeadLetter | None:
        for record in await read_topic(bootstrap, DEAD_LETTERS.name, DEAD_LETTERS.partitions):
            letter = DeadLetter.model_validate_json(record.value)
            if letter.service == "routing" and letter.key == key:
                return letter
        return None

    letter = await eventually(dead_letter, timeout_s=30, interval_s=0.5, what="a dead letter")
    assert letter.raw == "{not an event"
    assert "invalid event envelope" in letter.reason
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        created = await submit_ticket(client, "Invoice copy", "May I have the invoice again?")
    events = await _wait_for_events(stack, created["id"], "ticket.routed", what="routing after")
    assert _one(events, "ticket.routed").payload["queue"] == "billing"


# --- the rules, as admins edit them through the gateway ----------------------------------------


async def test_rules_are_read_by_managers_and_changed_by_admins_only(
    routing: Routing, tokens: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=routing.gateway.url, timeout=10) as client:
        anonymous = await client.get("/api/v1/routing/rules")
        assert anonymous.status_code == 401
        agent = await client.get("/api/v1/routing/rules", headers=bearer(tokens["agent"]))
        assert agent.status_code == 403
        read = await client.get("/api/v1/routing/rules", headers=bearer(tokens["manager"]))
        assert read.status_code == 200, read.text
        current = read.json()
        assert current["rules"]["default_queue"] == "general"
        body = {"version": current["version"], "rules": current["rules"]}
        refused = await client.put(
            "/api/v1/routing/rules", json=body, headers=bearer(tokens["manager"])
        )
        assert refused.status_code == 403


async def test_an_admin_edit_is_validated_versioned_and_used(
    stack: Stack, routing: Routing, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    async with httpx.AsyncClient(base_url=routing.gateway.url, timeout=10) as client:
        current = (await client.get("/api/v1/routing/rules", headers=admin)).json()
        rules = current["rules"]
        shipping = {"id": "shipping", "queue": "shipping", "keywords": ["parcel"], "tags": ["ship"]}
        edited = {**rules, "queue_rules": [shipping, *rules["queue_rules"]]}

        bad_regex = {**rules, "queue_rules": [{"id": "x", "queue": "q", "regex": "(oops"}]}
        answer = await client.put(
            "/api/v1/routing/rules",
            json={"version": current["version"], "rules": bad_regex},
            headers=admin,
        )
        assert answer.status_code == 422
        assert "invalid regex" in answer.json()["detail"]
        duplicate = {**rules, "queue_rules": [shipping, shipping]}
        answer = await client.put(
            "/api/v1/routing/rules",
            json={"version": current["version"], "rules": duplicate},
            headers=admin,
        )
        assert answer.status_code == 422
        assert "used twice" in answer.json()["detail"]
        unknown = await client.put(
            "/api/v1/routing/rules",
            json={"version": current["version"], "rules": {**rules, "colour": "red"}},
            headers=admin,
        )
        assert unknown.status_code == 422

        saved = await client.put(
            "/api/v1/routing/rules",
            json={"version": current["version"], "rules": edited},
            headers=admin,
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == current["version"] + 1
        stale = await client.put(
            "/api/v1/routing/rules",
            json={"version": current["version"], "rules": rules},
            headers=admin,
        )
        assert stale.status_code == 409
        assert "version" in stale.json()["detail"]

        try:
            async with httpx.AsyncClient(base_url=stack.url, timeout=10) as public:
                created = await submit_ticket(public, "Parcel lost", "My parcel never came.")
            events = await _wait_for_events(stack, created["id"], "ticket.routed", what="routing")
            routed = _one(events, "ticket.routed")
            assert (routed.payload["queue"], routed.payload["rule"]) == ("shipping", "shipping")
        finally:
            restored = await client.put(
                "/api/v1/routing/rules",
                json={"version": saved.json()["version"], "rules": rules},
                headers=admin,
            )
            assert restored.status_code == 200, restored.text


async def test_other_replicas_pick_up_an_edit_when_they_re_read(
    mongo: AsyncMongoClient[dict[str, Any]], stack: Stack
) -> None:
    database = f"routing_rules_test_{RUN}"
    store = RulesStore(mongo, database)
    seed_file_rules = parse_rules({"default_queue": "general"})
    trackers = [RoutingTracker(RuleSet()), RoutingTracker(RuleSet())]
    keepers = [
        RulesKeeper(store, tracker, NO_SEED_FILE, lambda: datetime.now(UTC), refresh_s=0.2)
        for tracker in trackers
    ]
    await store.seed(seed_file_rules, datetime.now(UTC))
    try:
        for keeper in keepers:
            await keeper.start()
        assert all(k.current is not None and k.current.version == 1 for k in keepers)
        edited = parse_rules({"default_queue": "triage"})
        await keepers[0].replace(edited, 1, "admin-1")
        assert trackers[0].rules.default_queue == "triage"
        with pytest.raises(StaleVersion):
            await keepers[1].replace(seed_file_rules, 1, "admin-2")

        async def picked_up() -> bool:
            return trackers[1].rules.default_queue == "triage"

        await eventually(picked_up, timeout_s=5, what="the second replica re-reading the rules")
    finally:
        for keeper in keepers:
            await keeper.stop()
        await mongo.drop_database(database)


async def test_the_gateway_answers_503_when_routing_is_down(
    routing: Routing, tokens: dict[str, str]
) -> None:
    routing.process.stop()
    async with httpx.AsyncClient(base_url=routing.gateway.url, timeout=10) as client:
        answer = await client.get("/api/v1/routing/rules", headers=bearer(tokens["manager"]))
    assert answer.status_code == 503
    assert "routing service cannot be reached" in answer.json()["detail"]
