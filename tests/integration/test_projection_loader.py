"""The rebuild's loader on the real MongoDB-protocol server: folded in memory and written once
per flush, it gives the documents the live projector's guarded path gives."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest
from pymongo import AsyncMongoClient

from contracts.envelopes import EventEnvelope
from gateway.adapters.projection_loader import ProjectionLoader
from gateway.adapters.ticket_store import (
    DERIVED_FIELDS_MARKER,
    META,
    ConcurrentProjectionWrite,
    TicketStore,
)
from gateway.domain.ticket_view import GapInEvents
from support.events import posted, submitted

pytestmark = pytest.mark.mongo


@pytest.fixture
async def store(mongo: AsyncMongoClient[dict[str, Any]]) -> TicketStore:
    return TicketStore(mongo, f"loader_{uuid4().hex[:8]}")


def _interleaved_log(tickets: list[UUID], messages: int) -> list[EventEnvelope]:
    """Every ticket submitted, then one message each round: each ticket's events are spread
    over the whole log, as on a real one, so they straddle every flush."""
    log = [submitted(t, f"DVK-{5000 + i}", f"Case {i}") for i, t in enumerate(tickets)]
    for version in range(2, messages + 2):
        log += [posted(t, version, f"word{version} for {n}") for n, t in enumerate(tickets)]
    return log


async def test_a_loaded_collection_equals_the_live_fold(store: TicketStore) -> None:
    tickets = [uuid4() for _ in range(40)]
    log = _interleaved_log(tickets, messages=4)
    await store.prepare("tickets_live")
    for start in range(0, len(log), 7):  # the live path, batch by batch
        await store.apply(log[start : start + 7], "tickets_live")
    # Small flushes and a cache smaller than the tickets: most continuations are read back.
    loader = ProjectionLoader(store, "tickets_loaded", flush_documents=8, cache_documents=5)
    for start in range(0, len(log), 11):
        await loader.add(log[start : start + 11])
    assert await loader.finish() >= len(tickets)

    loaded = await store.all_documents("tickets_loaded")
    assert len(loaded) == len(tickets)
    assert loaded == await store.all_documents("tickets_live")
    assert {d["version"] for d in loaded} == {5}


async def test_finish_builds_the_indexes_and_marks_the_derived_fields(
    store: TicketStore, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    ticket = uuid4()
    loader = ProjectionLoader(store, "tickets_indexed")
    await loader.add([submitted(ticket, "DVK-5101"), posted(ticket, 2)])
    await loader.finish()
    database = store.collection("tickets_indexed").database
    indexes = await database["tickets_indexed"].index_information()
    assert indexes["reference_1"].get("unique") is True
    assert "sort_sla_1" in indexes
    marker = f"{DERIVED_FIELDS_MARKER}:tickets_indexed"
    assert await database[META].find_one({"_id": marker}) is not None
    view = await store.collection("tickets_indexed").find_one({"_id": str(ticket)})
    assert view is not None
    assert (view["version"], len(view["thread"]), "sort_sla" in view) == (2, 2, True)


async def test_events_seen_again_change_nothing(store: TicketStore) -> None:
    """A log that holds a ticket's events twice (a submission after its document left the
    cache included) folds into the same document as once."""
    first, second = uuid4(), uuid4()
    loader = ProjectionLoader(store, "tickets_twice", flush_documents=1, cache_documents=0)
    once = [submitted(first, "DVK-5201"), posted(first, 2), submitted(second, "DVK-5202")]
    await loader.add(once)
    await loader.add([posted(first, 3)])
    await loader.add([submitted(first, "DVK-5201"), posted(first, 2), posted(second, 2)])
    await loader.finish()
    views = {d["_id"]: d for d in await store.all_documents("tickets_twice")}
    assert (views[str(first)]["version"], len(views[str(first)]["thread"])) == (3, 3)
    assert views[str(second)]["version"] == 2


async def test_a_gap_is_refused(store: TicketStore) -> None:
    ticket = uuid4()
    loader = ProjectionLoader(store, "tickets_gap", flush_documents=1, cache_documents=0)
    await loader.add([submitted(ticket, "DVK-5301")])
    with pytest.raises(GapInEvents):
        await loader.add([posted(ticket, 3)])
    with pytest.raises(GapInEvents):
        await loader.add([posted(uuid4(), 2)])  # a ticket never submitted


async def test_another_writer_in_the_collection_is_detected(store: TicketStore) -> None:
    """The loader owns its collection until the switch-over; a document someone else moved
    on meanwhile fails the flush instead of being overwritten."""
    ticket = uuid4()
    loader = ProjectionLoader(store, "tickets_shared", flush_documents=1)
    await loader.add([submitted(ticket, "DVK-5401")])
    await loader.flush()
    await store.apply([posted(ticket, 2)], "tickets_shared")
    await loader.add([posted(ticket, 2)])
    async with asyncio.timeout(30):
        with pytest.raises(ConcurrentProjectionWrite):
            await loader.flush()
