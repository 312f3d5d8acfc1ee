"""The intake's stores against the real MongoDB-protocol server (FerretDB in the tests):
ticket ids kept as text, and what older versions stored under UUIDs converted at start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from pymongo import AsyncMongoClient

from intake.adapters.partner_store import API_REQUESTS, PartnerStore
from intake.adapters.reference_store import COLLECTION, ReferenceStore, StatusChange

pytestmark = [pytest.mark.mongo]

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(mongo: AsyncMongoClient[dict[str, Any]]) -> AsyncIterator[str]:
    name = f"intake_stores_{uuid4().hex[:12]}"
    yield name
    await mongo.drop_database(name)


async def test_references_written_with_uuids_keep_working_after_start(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    old_ticket, new_ticket = uuid4(), uuid4()
    await mongo[database][COLLECTION].insert_one(
        {"_id": "DVK-1", "ticket_id": old_ticket, "status": "new", "status_version": 1}
    )
    store = ReferenceStore(mongo, database)
    await store.prepare()
    stored = await mongo[database][COLLECTION].find_one({"_id": "DVK-1"})
    assert stored is not None
    assert stored["ticket_id"] == str(old_ticket)
    await store.save({"DVK-2": new_ticket}, [StatusChange(old_ticket, 3, "in_progress")])
    assert await store.known_ticket(old_ticket)
    assert await store.known_ticket(new_ticket)
    assert not await store.known_ticket(uuid4())
    assert await store.ticket_for("dvk-2") == new_ticket
    status = await store.status_of("DVK-1")
    assert status is not None
    assert status.status == "in_progress"
    # An older status never overwrites a newer one.
    await store.save({}, [StatusChange(old_ticket, 2, "on_hold")])
    status = await store.status_of("DVK-1")
    assert status is not None
    assert status.status == "in_progress"


async def test_a_partner_request_recorded_under_a_uuid_is_still_a_repeat(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    old_ticket = uuid4()
    await mongo[database][API_REQUESTS].insert_one(
        {"_id": old_ticket, "partner_id": "acme", "idempotency_key": "k1", "reference": None,
         "created_at": NOW}
    )  # fmt: skip
    store = PartnerStore(mongo, database)
    await store.prepare()
    ids = [doc["_id"] async for doc in mongo[database][API_REQUESTS].find({}, {"_id": 1})]
    assert ids == [str(old_ticket)]

    async def first(ticket_id: UUID, key: str) -> bool:
        return await store.first_answer(
            ticket_id, partner_id="acme", idempotency_key=key, reference=None, now=NOW
        )

    assert not await first(old_ticket, "k1")  # a repeat: answered 200, not 201
    fresh = uuid4()
    assert await first(fresh, "k2")
    assert not await first(fresh, "k2")
    await store.prepare()  # nothing left to move
    assert await mongo[database][API_REQUESTS].count_documents({}) == 2
