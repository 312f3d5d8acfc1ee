"""The tickets read model on the real MongoDB-protocol server (FerretDB in CI)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from gateway.adapters.ticket_store import TicketStore
from gateway.domain.ticket_view import GapInEvents
from support.events import posted, submitted

pytestmark = pytest.mark.mongo


@pytest.fixture
async def store(mongo: AsyncMongoClient[dict[str, Any]]) -> TicketStore:
    database = f"store_{uuid4().hex[:8]}"
    made = TicketStore(mongo, database)
    await made.prepare()
    return made


async def test_large_batches_of_updates_complete(store: TicketStore) -> None:
    """FerretDB 1.24 holds a connection per matched update statement until the command ends;
    one bulk replace of more documents than its pool (50) would hang the server for good."""
    tickets = [uuid4() for _ in range(150)]
    async with asyncio.timeout(60):
        assert await store.apply([submitted(t, f"DVK-{9000 + i}") for i, t in enumerate(tickets)])
        assert await store.apply([posted(t, 2) for t in tickets]) == 150
        assert await store.apply([posted(t, 3) for t in tickets]) == 150
    view = await store.get(tickets[0])
    assert view is not None
    assert view["version"] == 3
    assert len(view["thread"]) == 3


async def test_applying_the_same_events_twice_changes_nothing(store: TicketStore) -> None:
    ticket = uuid4()
    events = [submitted(ticket, "DVK-7001"), posted(ticket, 2)]
    assert await store.apply(events) == 1
    before = await store.get(ticket)
    assert await store.apply(events) == 0
    assert await store.get(ticket) == before


async def test_a_redelivered_submission_beside_a_new_one_is_folded_once(
    store: TicketStore,
) -> None:
    """A batch's version-1 events are inserted without a lookup; when one of those tickets is
    there already (a redelivery after a crash), the batch is read and folded again."""
    seen, new = uuid4(), uuid4()
    await store.apply([submitted(seen, "DVK-7011")])
    batch = [submitted(seen, "DVK-7011"), submitted(new, "DVK-7012"), posted(seen, 2)]
    assert await store.apply(batch) == 2
    again = await store.get(seen)
    fresh = await store.get(new)
    assert again is not None
    assert fresh is not None
    assert (again["version"], len(again["thread"])) == (2, 2)
    assert (fresh["version"], fresh["reference"]) == (1, "DVK-7012")


async def test_a_gap_is_refused_and_nothing_is_written(store: TicketStore) -> None:
    ticket = uuid4()
    await store.apply([submitted(ticket, "DVK-7002")])
    with pytest.raises(GapInEvents):
        await store.apply([posted(ticket, 3)])
    view = await store.get(ticket)
    assert view is not None
    assert view["version"] == 1


async def test_reads_by_reference_and_waits_for_a_version(store: TicketStore) -> None:
    ticket = uuid4()
    await store.apply([submitted(ticket, "DVK-7003")])
    by_reference = await store.get("dvk-7003")
    assert by_reference is not None
    assert by_reference["id"] == str(ticket)
    waiting = asyncio.create_task(store.wait_for_version(ticket, 2, timeout_s=10))
    await store.apply([posted(ticket, 2)])
    reached = await waiting
    assert reached is not None
    assert reached["version"] == 2
