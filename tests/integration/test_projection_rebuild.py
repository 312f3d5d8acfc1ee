"""Invariant 3: dropping the read model and replaying the log gives the same documents."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE, Stack, bearer
from contracts.topics import TICKET_EVENTS
from gateway.adapters.ticket_store import TicketStore
from gateway.rebuild import rebuild
from gateway.settings import GatewaySettings
from support.kafka_tools import end_offsets
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


async def _projection_caught_up(bootstrap: str, group: str) -> bool:
    ends = await end_offsets(bootstrap, TICKET_EVENTS.name, TICKET_EVENTS.partitions)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    done = {
        tp.partition: meta.offset
        for tp, meta in committed.items()
        if tp.topic == TICKET_EVENTS.name
    }
    return all(done.get(p, 0) >= end for p, end in ends.items() if end > 0)


async def test_rebuild_from_the_log_gives_the_same_documents(
    stack: Stack,
    kafka_bootstrap: str,
    mongo: AsyncMongoClient[dict[str, Any]],
    staff_tokens: dict[str, str],
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        for n in range(5):
            created = await client.post(
                "/api/v1/tickets",
                json={
                    "customer": {"name": f"Rebuild {n}", "email": f"r{n}@example.com"},
                    "priority": "P2",
                    "subject": f"Rebuild case {n}",
                    "message": "original",
                },
            )
            assert created.status_code == 201, created.text
            reply = await client.post(
                f"/api/v1/tickets/{created.json()['id']}/reply",
                json={"from": "agent", "message": f"answer {n}"},
                headers=agent,
            )
            assert reply.status_code == 201, reply.text
    settings = GatewaySettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        mongodb_url=stack.env["MONGODB_URL"],
        mongodb_database=TEST_DATABASE,
    )
    await eventually(
        lambda: _projection_caught_up(kafka_bootstrap, settings.projection_group),
        timeout_s=60,
        what="the projection to reach the end of the log",
    )
    store = TicketStore(mongo, TEST_DATABASE)
    live = (await store.active_collection(fresh=True)).name
    before = await store.all_documents(live)
    assert len(before) >= 5

    await mongo[TEST_DATABASE].drop_collection(live)
    rebuilt = await rebuild(settings)

    assert rebuilt != live
    assert await store.all_documents(rebuilt) == before
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = before[0]
        read = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=agent)
    assert read.status_code == 200
    assert read.json()["version"] == ticket["version"]
