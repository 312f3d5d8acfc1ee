"""rebuild: replay N ticket events into a fresh projection with the gateway's rebuild path.

The events are synthetic (a submission and four messages per ticket) on a scratch topic, so
N does not depend on how many tickets the other scenarios made; they are folded exactly as
`make rebuild-projections` folds the real log (`gateway.rebuild.load_fresh`: `kit.replay`
in batches into a `ProjectionLoader`, which folds in memory, writes each document once per
flush and builds the indexes at the end, inside the measured time) in a database of their own.
The ceiling writes as many raw PyMongo upserts (`UpdateOne(upsert=True)`, unordered, in
bulks; see BULK) of the resulting documents into the same FerretDB, into a collection with the
same indexes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient, UpdateOne

from bench import scratch_topics
from bench.report import Result
from bench.stack import Stack
from contracts.base import Event
from contracts.envelopes import EventEnvelope
from contracts.events import MessagePosted, TicketSubmitted
from contracts.values import Actor, Customer
from gateway.adapters.projection_loader import ProjectionLoader
from gateway.adapters.ticket_store import REPLACE_CHUNK, TicketStore
from gateway.rebuild import load_fresh
from kit.replay import RecordBatch

TARGET_PER_S = 5000
RATIO_TARGET = 0.6
EVENTS_PER_TICKET = 5
DATABASE = "dvika_bench_rebuild"
# Not 1,000 a bulk: FerretDB 1.24 holds one PostgreSQL connection per matched statement
# until the command ends, so that deadlocks its pool of 50 (seen in a bench run: every
# connection idle in `SELECT _jsonb ... @>`). The projection writes 32 a bulk
# for the same reason (`gateway.adapters.ticket_store.REPLACE_CHUNK`); so does the ceiling.
BULK = REPLACE_CHUNK
# Documents read back for the ceiling: more than it writes in its time budget.
CEILING_DOCUMENTS = 20_000


def _envelope(ticket_id: UUID, version: int, event: Event, at: datetime) -> bytes:
    cause = uuid4()
    return (
        EventEnvelope(
            event_id=uuid4(),
            type=event.TYPE,
            schema_version=event.SCHEMA_VERSION,
            ticket_id=ticket_id,
            version=version,
            occurred_at=at + timedelta(seconds=version),
            actor=Actor(kind="customer" if version % 2 else "agent", id="bench"),
            command_id=cause,
            correlation_id=cause,
            causation_id=cause,
            payload=event.model_dump(mode="json"),
        )
        .model_dump_json()
        .encode()
    )


def ticket_events(n: int, at: datetime) -> list[tuple[bytes, bytes]]:
    ticket_id = uuid4()
    key = str(ticket_id).encode()
    submitted = TicketSubmitted(
        reference=f"DVK-{n + 1}",
        customer=Customer(name=f"Customer {n % 5000}", email=f"c{n % 5000}@example.com"),
        category="billing",
        priority="P3",
        subject=f"Refund for invoice INV{n:07d} not received",
        message_id=uuid4(),
        message="Hello, I was promised a refund two weeks ago and nothing arrived yet. " * 2,
        channel="web",
    )
    out = [(key, _envelope(ticket_id, 1, submitted, at))]
    for version in range(2, EVENTS_PER_TICKET + 1):
        posted = MessagePosted(
            message_id=uuid4(),
            author="agent" if version % 2 == 0 else "customer",
            message=f"Message {version} about the refund of invoice INV{n:07d}.",
            channel="web",
        )
        out.append((key, _envelope(ticket_id, version, posted, at)))
    return out


async def _produce(stack: Stack, topic: str, tickets: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka, linger_ms=20, acks="all")
    await producer.start()
    at = datetime.now(UTC)
    try:
        pending = []
        for n in range(tickets):
            for key, value in ticket_events(n, at):
                pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= 5000:
                for future in pending:
                    await future
                pending.clear()
        for future in pending:
            await future
    finally:
        await producer.stop()


def _client(stack: Stack) -> AsyncMongoClient[dict[str, Any]]:
    # As kit.mongo.make_mongo_client builds it for the gateway.
    return AsyncMongoClient(
        stack.mongodb, document_class=dict, tz_aware=True, uuidRepresentation="standard"
    )


class _OutOfTime(Exception):
    """The time budget ran out: the rate is taken over what was done by then."""


async def rebuild(stack: Stack, events: int, budget_s: float) -> list[Result]:
    """Replay `events` (or as many as `budget_s` allows), then the ceiling (a third of it)."""
    tickets = max(1, events // EVENTS_PER_TICKET)
    events = tickets * EVENTS_PER_TICKET
    topic = scratch_topics.scratch(f"rebuild.{uuid4().hex[:8]}")
    await scratch_topics.create(stack.kafka, topic)
    await _produce(stack, topic.name, tickets)
    client = _client(stack)
    try:
        await client.drop_database(DATABASE)
        store = TicketStore(client, DATABASE)
        target = "tickets_rebuilt"
        loader = ProjectionLoader(store, target)
        folded = 0
        started = time.perf_counter()

        def within_budget(records: RecordBatch) -> None:
            nonlocal folded
            if time.perf_counter() - started > budget_s:
                raise _OutOfTime
            folded += len(records)

        try:
            await load_fresh(
                stack.kafka,
                topic.name,
                range(topic.partitions),
                loader,
                on_batch=within_budget,
                timeout_s=budget_s * 2,
            )
        except _OutOfTime:
            # What was folded by then is written and indexed, inside the measured time.
            await loader.finish()
        took = time.perf_counter() - started
        count = await client[DATABASE][target].count_documents({})
        ceiling, writes = await _upsert_ceiling(client, store, target, budget_s / 3)
    finally:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(60):
                await client.drop_database(DATABASE)
        await client.close()
    got = folded / took
    complete = folded == events
    return [
        Result(
            scenario="rebuild",
            metric=f"events/s replayed into a fresh projection, of {events:,} events",
            value=round(got, 1),
            unit="events/s",
            target=f">= {TARGET_PER_S}",
            met=got >= TARGET_PER_S and complete and count == tickets,
            ceiling=round(ceiling, 1),
            ratio=round(got / ceiling, 3) if ceiling else None,
            ratio_target=RATIO_TARGET,
            detail=f"{folded:,} events folded into {count:,} tickets in {took:.1f} s"
            f"{'' if complete else f' (stopped at the {budget_s:g} s budget)'}; ceiling: raw "
            f"PyMongo UpdateOne upserts of the same documents, {EVENTS_PER_TICKET} per "
            f"document (one per event), unordered, {BULK} a bulk, {writes:,} writes",
        )
    ]


async def _upsert_ceiling(
    client: AsyncMongoClient[dict[str, Any]], store: TicketStore, rebuilt: str, budget_s: float
) -> tuple[float, int]:
    """(writes/s, writes): rebuilt documents upserted once per event each, for `budget_s`."""
    collection = client[DATABASE][rebuilt]
    # Small batches: FerretDB 1.24 answers past the 48 MB message limit otherwise.
    found = collection.find({}, batch_size=500).limit(CEILING_DOCUMENTS)
    documents = [d async for d in found]
    target = "tickets_ceiling"
    await store.prepare(target)
    writes = [
        UpdateOne(
            {"_id": d["_id"]}, {"$set": {k: v for k, v in d.items() if k != "_id"}}, upsert=True
        )
        for d in documents
        for _ in range(EVENTS_PER_TICKET)
    ]
    done = 0
    started = time.perf_counter()
    while done < len(writes) and time.perf_counter() - started < budget_s:
        await client[DATABASE][target].bulk_write(writes[done : done + BULK], ordered=False)
        done += len(writes[done : done + BULK])
    return done / (time.perf_counter() - started), done
