"""Notify's batch writes against the real MongoDB-protocol server (FerretDB in the tests):
a bulk of notifications keeps the new ones and skips the duplicates, a batch's facts are
written only over the version they were folded from, and a ticket new to notify never
overwrites one another consumer wrote first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from pymongo import AsyncMongoClient

from notify.adapters.notification_store import NotificationStore
from notify.adapters.optout_store import OptOutStore
from notify.adapters.ticket_store import (
    COLLECTION,
    LEGACY_COLLECTION,
    WRITE_CHUNK,
    TicketFactsStore,
    to_document,
)
from notify.domain.ticket_facts import TicketFacts

pytestmark = [pytest.mark.mongo]

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(mongo: AsyncMongoClient[dict[str, Any]]) -> AsyncIterator[str]:
    name = f"notify_stores_{uuid4().hex[:12]}"
    yield name
    await mongo.drop_database(name)


def facts(ticket_id: UUID, version: int, status: str = "new") -> TicketFacts:
    return TicketFacts(
        ticket_id=ticket_id,
        version=version,
        reference=f"DVK-{version}",
        customer_name="Ada",
        customer_email="ada@example.com",
        subject="Charged twice",
        priority="P2",
        status=status,
        submitted_at=NOW,
    )


def notification(key: str) -> dict[str, Any]:
    return {"key": key, "channel": "email", "kind": "ticket_received", "status": "pending"}


async def test_a_bulk_of_notifications_keeps_the_new_ones_in_order_and_skips_duplicates(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    store = NotificationStore(mongo, database)
    await store.prepare()
    first = [notification(f"k{n}") for n in range(0, 40, 2)]
    assert await store.insert_new(first) == first

    # A re-read batch mixes what was written with what was not, over more than one chunk.
    mixed = [notification(f"k{n}") for n in range(50)]
    inserted = await store.insert_new(mixed)
    assert [d["key"] for d in inserted] == [f"k{n}" for n in range(50) if n % 2 or n >= 40]
    assert await mongo[database]["notifications"].count_documents({}) == 50
    assert await store.insert_new(mixed) == []
    assert await store.insert_new([]) == []


async def test_a_batchs_facts_are_written_once_each_over_the_version_they_came_from(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    store = TicketFactsStore(mongo, database)
    await store.prepare()
    # More tickets than one chunk of writes and than the lookups in flight at once.
    ids = [uuid4() for _ in range(WRITE_CHUNK * 2 + 5)]
    await store.save_all([facts(i, 1) for i in ids], {})
    loaded = await store.load([*ids, uuid4()])
    assert set(loaded) == set(ids)
    assert {f.version for f in loaded.values()} == {1}

    # Another consumer moved the first ticket on meanwhile: its write stands.
    moved = ids[0]
    await store.save_all([facts(moved, 2, "open")], {moved: 1})
    folded = [replace(loaded[i], version=3, status="resolved") for i in ids]
    await store.save_all(folded, {i: 1 for i in ids})
    after = await store.load(ids)
    assert (after[moved].version, after[moved].status) == (2, "open")
    assert all(after[i].version == 3 and after[i].status == "resolved" for i in ids[1:])


async def test_a_ticket_new_to_notify_never_overwrites_facts_written_first(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    store = TicketFactsStore(mongo, database)
    ticket, other = uuid4(), uuid4()
    await store.save_all([facts(ticket, 4, "open")], {})
    # A consumer that read nothing for `ticket` (it was written after its read) folds v1.
    await store.save_all([facts(ticket, 1), facts(other, 1)], {})
    loaded = await store.load([ticket, other])
    assert (loaded[ticket].version, loaded[ticket].status) == (4, "open")
    assert loaded[other].version == 1


async def test_opt_outs_are_found_among_many_addresses(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    store = OptOutStore(mongo, database)
    await store.opt_out("Ada@Example.com", NOW)
    await store.opt_out("grace@example.com", NOW)
    asked = [f"c{n}@example.com" for n in range(40)] + ["ADA@example.com ", "grace@example.com"]
    assert await store.opted_out(asked) == {"ada@example.com", "grace@example.com"}
    assert await store.opted_out([]) == set()


async def test_facts_kept_under_uuid_ids_move_over_once_without_overwriting_newer_ones(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    moved, newer = uuid4(), uuid4()
    legacy = mongo[database][LEGACY_COLLECTION]
    await legacy.insert_many(
        [{**to_document(facts(i, 2)), "_id": i} for i in (moved, newer)]
        + [{**to_document(facts(i, 1)), "_id": i} for i in (uuid4() for _ in range(40))]
    )
    store = TicketFactsStore(mongo, database)
    # A replica already on string ids folded a later version of one ticket.
    await store.save_all([facts(newer, 5, "resolved")], {})

    await store.prepare()
    loaded = await store.load([moved, newer])
    assert (loaded[moved].version, loaded[moved].status) == (2, "new")
    assert (loaded[newer].version, loaded[newer].status) == (5, "resolved")
    assert await mongo[database][COLLECTION].count_documents({}) == 42
    assert LEGACY_COLLECTION not in await mongo[database].list_collection_names()
    # Moved once: a second start finds nothing left to move.
    await store.prepare()
    assert await mongo[database][COLLECTION].count_documents({}) == 42
    stored = await mongo[database][COLLECTION].find_one({"_id": str(moved)})
    assert stored is not None
