"""The analytics store against the real MongoDB-protocol server (FerretDB in the tests):
facts keyed by text ids, older UUID-keyed facts moved at start, and a day's buckets, sheets
and stamp replaced together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from analytics.adapters.fact_store import DIRTY_DAYS, FACTS, AnalyticsStore
from analytics.domain.buckets import day_buckets
from analytics.domain.facts import TicketFact, fact_to_document
from analytics.domain.sheets import day_sheets

pytestmark = [pytest.mark.mongo]


@pytest.fixture
async def database(mongo: AsyncMongoClient[dict[str, Any]]) -> AsyncIterator[str]:
    name = f"analytics_store_{uuid4().hex[:12]}"
    yield name
    await mongo.drop_database(name)


def fact(version: int = 1) -> TicketFact:
    return TicketFact(
        ticket_id=uuid4(),
        version=version,
        reference=f"DVK-{uuid4().int % 10_000}",
        created_at=datetime(2026, 11, 20, 14, tzinfo=UTC),
        created_day="2026-11-20",
        created_weekday=4,
        created_hour=14,
        channel="web",
        category="billing",
        priority="P2",
        status="new",
    )


async def test_facts_round_trip_under_text_ids(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    store = AnalyticsStore(mongo, database)
    await store.prepare()
    first, second = fact(), fact()
    await store.save_facts([first, second], {})
    stored = await mongo[database][FACTS].find_one({"_id": str(first.ticket_id)})
    assert stored is not None
    assert await store.facts_of({first.ticket_id, second.ticket_id}) == {
        first.ticket_id: first, second.ticket_id: second
    }  # fmt: skip
    # Written only over the version it was read at.
    newer = replace(first, version=2, status="open")
    await store.save_facts([newer], {first.ticket_id: 1})
    await store.save_facts([replace(first, version=3)], {first.ticket_id: 1})  # stale: ignored
    assert (await store.facts_of({first.ticket_id}))[first.ticket_id] == newer


async def test_uuid_keyed_facts_move_to_text_ids_at_start(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    old, refolded = fact(), fact()
    legacy = [
        {**fact_to_document(f), "_id": f.ticket_id} for f in (old, refolded)
    ]  # as stored before
    await mongo[database][FACTS].insert_many(legacy)
    # A newer fold already wrote one of them under its text id: that one stands.
    newer = replace(refolded, version=5, status="resolved")
    await mongo[database][FACTS].insert_one(fact_to_document(newer))
    store = AnalyticsStore(mongo, database)
    await store.prepare()
    ids = sorted([doc["_id"] async for doc in mongo[database][FACTS].find({}, {"_id": 1})])
    assert ids == sorted([str(old.ticket_id), str(refolded.ticket_id)])
    assert await store.facts_of({old.ticket_id, refolded.ticket_id}) == {
        old.ticket_id: old, refolded.ticket_id: newer
    }  # fmt: skip
    # The day is marked, so its buckets and sheets get made from the moved facts.
    assert await mongo[database][DIRTY_DAYS].find_one({"_id": "2026-11-20"}) is not None
    await store.prepare()  # nothing left to move
    assert await mongo[database][FACTS].count_documents({}) == 2


async def test_a_day_is_replaced_with_its_sheets_and_a_new_stamp(
    mongo: AsyncMongoClient[dict[str, Any]], database: str
) -> None:
    store = AnalyticsStore(mongo, database)
    await store.prepare()
    facts = [fact(), fact()]
    cube = day_buckets("2026-11-20", facts)
    await store.replace_day("2026-11-20", cube, day_sheets("2026-11-20", cube), 2)
    first = await store.day_stamps()
    assert first["2026-11-20"]["open"] == 2
    sheets = await store.sheets(["2026-11-20|base|volume", "2026-11-20|assignee|frt"])
    assert [e["created"] for e in sheets["2026-11-20|base|volume"]["entries"]] == [2]
    assert sheets["2026-11-20|assignee|frt"]["entries"] == []
    await store.replace_day("2026-11-20", cube, day_sheets("2026-11-20", cube), 0)
    again = await store.day_stamps()
    assert again["2026-11-20"]["stamp"] != first["2026-11-20"]["stamp"]
    assert again["2026-11-20"]["open"] == 0
