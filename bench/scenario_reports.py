"""reports: `GET /api/v1/reports/{metric}` through the gateway, as a manager, 90-day range.

Analytics folds the ticket log into one fact per ticket and recomputes the daily buckets of
the days that changed; reports read only buckets. Folding through Kafka runs at some 25
tickets/s against the bench's FerretDB (2,000 submissions took 79 s in one batch: an upsert
per fact), so the 100,000 seeded tickets would take over an hour. The bench therefore writes
the facts itself, then lets the service do the rest:

1. analytics' consumer group is committed at the ticket log's end (the service then folds
   only what comes later);
2. a fact per ticket of the gateway's read model (the seeded tickets: one event each, their
   submission, so the fact is what `fold` makes of it), built with the service's own
   `TicketFact` and `fact_to_document`, and their day(s) marked dirty as the projection
   marks them: the service's refresher builds those buckets;
3. generated facts over the 89 days before (first responses, resolutions, ratings, queues,
   agents), with their buckets and report sheets computed by the service's own
   `day_buckets` and `day_sheets` and inserted, and the days stamped with the store's
   `stamp_days` (the refresher's upserts, one bucket at a time, would take many minutes on
   FerretDB), so the 90-day range reads 90 days;
4. analytics started for this scenario only (`on_demand_service`); the pass waits until no
   day is left to build and the volume report counts every fact written, then times each
   request open loop.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import AsyncMongoClient

from analytics.adapters.fact_store import DAILY, DIRTY_DAYS, FACTS, SHEETS, AnalyticsStore
from analytics.domain.buckets import day_buckets
from analytics.domain.facts import TicketFact, fact_to_document
from analytics.domain.local_time import local_slot
from analytics.domain.sheets import day_sheets
from bench.measure import Latencies, open_loop
from bench.report import Result
from bench.scenario_memory import TARGET_MB, rss_mb
from bench.stack import ANALYTICS_PORT, Stack, on_demand_service
from contracts.topics import TICKET_EVENTS

TARGET_P95_MS = 200
RANGE_DAYS = 90
# The metric and its query beside the range: one of each family of report sheets, a filter
# and a grouping, and backlog (open tickets of every day, whatever the range).
REQUESTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("volume", {}),
    ("first_response_time", {}),
    ("csat", {}),
    ("heatmap", {}),
    ("first_response_time", {"group_by": "queue", "priority": "P2"}),
    ("resolution_time", {"group_by": "agent", "channel": "email"}),
    ("backlog", {"group_by": "queue"}),
)
QUEUES = ("general", "billing", "technical")
AGENTS = tuple(f"agent-{n}" for n in range(6))
INSERT_CHUNK = 200
UUID_BASE = 0xBE0C << 112  # generated ticket ids, apart from uuid4's
ANALYTICS_GROUP = "dvika-analytics-facts"  # the service's default consumer group


async def _login(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/login", json={"email": "manager@demo.dvika.care", "password": "dvika-demo"}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def range_params(today: date) -> dict[str, str]:
    first = today - timedelta(days=RANGE_DAYS - 1)
    return {"from": first.isoformat(), "to": today.isoformat()}


def label(metric: str, extra: dict[str, str]) -> str:
    """Short enough for the chart: `first_response_time by queue, priority=P2`."""
    grouped = f" by {extra['group_by']}" if "group_by" in extra else ""
    return metric + grouped + "".join(f", {k}={v}" for k, v in extra.items() if k != "group_by")


async def _volume(client: httpx.AsyncClient, headers: dict[str, str], today: date) -> int:
    answer = await client.get("/api/v1/reports/volume", params=range_params(today), headers=headers)
    answer.raise_for_status()
    return sum(int(row["count"]) for row in answer.json()["rows"])


async def _until(check: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {timeout_s:g} s")
        await asyncio.sleep(1)


def history(count: int, today: date, seed: int = 11) -> list[TicketFact]:
    """Facts of `count` tickets created over the 89 days before `today` (UTC)."""
    rng = random.Random(seed)
    start = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=89)
    facts: list[TicketFact] = []
    for n in range(count):
        created = start + timedelta(seconds=rng.uniform(0, 89 * 86_400))
        slot = local_slot(created, ZoneInfo("UTC"))
        answered = rng.random() < 0.9
        first_response = (
            created + timedelta(seconds=rng.expovariate(1 / 3600)) if answered else None
        )
        resolved = (
            created + timedelta(seconds=rng.expovariate(1 / 86_400))
            if answered and rng.random() < 0.8
            else None
        )
        rating: Literal["good", "bad"] | None = None
        if resolved and rng.random() < 0.3:
            rating = "good" if rng.random() < 0.75 else "bad"
        fact = TicketFact(
            ticket_id=UUID(int=UUID_BASE + n),
            version=4 if resolved else 2,
            reference=f"DVK-H{n}",
            created_at=created,
            created_day=slot.day,
            created_weekday=slot.weekday,
            created_hour=slot.hour,
            channel=rng.choice(("web", "email", "web", "api")),
            category=rng.choice(("general", "billing", "technical", "account")),
            priority=rng.choice(("P1", "P2", "P3", "P4")),
            status="resolved" if resolved else "open",
            queue=rng.choice(QUEUES),
            assignee=rng.choice(AGENTS) if answered else None,
            first_response_at=first_response,
            resolved_at=resolved,
            rating=rating,
            rating_comment="thanks" if rating == "good" and rng.random() < 0.2 else None,
            rated_at=resolved + timedelta(hours=1) if rating and resolved else None,
        )
        facts.append(fact)
    return facts


def days_of(facts: list[TicketFact]) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """Each day's buckets and tickets open now, as the service's refresher computes them."""
    by_day: dict[str, list[TicketFact]] = {}
    for fact in facts:
        by_day.setdefault(fact.created_day, []).append(fact)
    return {
        day: (day_buckets(day, found), sum(int(f.is_open) for f in found))
        for day, found in sorted(by_day.items())
    }


async def _insert(collection: Any, docs: list[dict[str, Any]]) -> None:
    for at in range(0, len(docs), INSERT_CHUNK):
        await collection.insert_many(docs[at : at + INSERT_CHUNK], ordered=False)


async def seeded_facts(db: Any) -> list[dict[str, Any]]:
    """A fact per ticket of the gateway's read model: what analytics would fold from each
    ticket's events (the seeded tickets have one event each: their submission)."""
    meta = await db["projection_meta"].find_one({"_id": "tickets"})
    tickets = db[str(meta["collection"]) if meta else "tickets_v1"]
    fields = ("id", "version", "reference", "created_at", "channel", "category", "priority",
              "status", "queue", "assignee")  # fmt: skip
    utc = ZoneInfo("UTC")
    docs = []
    async for ticket in tickets.find({}, dict.fromkeys(fields, 1)):
        created = ticket["created_at"].replace(tzinfo=UTC)
        slot = local_slot(created, utc)
        fact = TicketFact(
            ticket_id=UUID(str(ticket["id"])),
            version=int(ticket["version"]),
            reference=str(ticket["reference"]),
            created_at=created,
            created_day=slot.day,
            created_weekday=slot.weekday,
            created_hour=slot.hour,
            channel=str(ticket["channel"]),
            category=str(ticket["category"]),
            priority=str(ticket["priority"]),
            status=str(ticket["status"]),
            queue=ticket.get("queue"),
            assignee=ticket.get("assignee"),
        )
        docs.append(fact_to_document(fact))
    return docs


async def _skip_the_log(bootstrap: str) -> None:
    """Commit analytics' consumer group at the ticket log's end: the service then folds only
    what comes later, not the events whose facts the bench wrote."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=ANALYTICS_GROUP,
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    try:
        partitions = [
            TopicPartition(TICKET_EVENTS.name, p) for p in range(TICKET_EVENTS.partitions)
        ]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: int(end) for tp, end in ends.items()})
    finally:
        await consumer.stop()


async def _time(
    client: httpx.AsyncClient, headers: dict[str, str], today: date, rate: float, seconds: float
) -> list[tuple[str, Latencies]]:
    timed = []
    for metric, extra in REQUESTS:
        params = {**range_params(today), **extra}

        async def request(metric: str = metric, params: dict[str, str] = params) -> bool:
            answer = await client.get(f"/api/v1/reports/{metric}", params=params, headers=headers)
            return answer.status_code == 200

        timed.append((label(metric, extra), await open_loop(request, rate, seconds)))
    return timed


async def reports(
    stack: Stack, history_tickets: int, rate: float, seconds: float, budget_s: float
) -> list[Result]:
    """Facts written, then analytics started for this scenario only to build the buckets."""
    today = datetime.now(UTC).date()  # the bench's analytics counts days in UTC (its default)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        stack.mongodb, tz_aware=True, uuidRepresentation="standard"
    )
    db = mongo[stack.database]
    try:
        started = time.perf_counter()
        # First: a ticket the read model shows is then in the log before the committed
        # point (the seeding waited for the read model) or, later, folded over its fact
        # as a duplicate; never in neither.
        await _skip_the_log(stack.kafka)
        seeded = await seeded_facts(db)
        generated = history(history_tickets, today)
        await _insert(db[FACTS], seeded + [fact_to_document(f) for f in generated])
        history_days = days_of(generated)
        history_buckets = [b for cube, _ in history_days.values() for b in cube]
        await _insert(db[DAILY], history_buckets)
        sheets = [s for day, (cube, _) in history_days.items() for s in day_sheets(day, cube)]
        await _insert(db[SHEETS], sheets)
        await AnalyticsStore(mongo, stack.database).stamp_days(
            {day: open_now for day, (_, open_now) in history_days.items()}
        )
        days = sorted({str(doc["created_day"]) for doc in seeded})
        # Marked as the projection marks them: the service's refresher builds these days.
        for day in days:
            await db[DIRTY_DAYS].update_one({"_id": day}, {"$set": {"stamp": "bench"}}, upsert=True)
        written_s = time.perf_counter() - started
        with on_demand_service(stack, "analytics", ANALYTICS_PORT) as process:
            started = time.perf_counter()

            async def no_dirty_day() -> bool:
                return await db[DIRTY_DAYS].count_documents({}) == 0

            await _until(no_dirty_day, budget_s, "analytics building the buckets")
            built_s = time.perf_counter() - started
            buckets = await db[DAILY].count_documents({})
            async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
                headers = await _login(client)
                total = await _volume(client, headers, today)
                if total != len(seeded) + len(generated):
                    written = len(seeded) + len(generated)
                    raise RuntimeError(f"the volume report counts {total:,}, not {written:,}")
                timed = await _time(client, headers, today, rate, seconds)
            memory = rss_mb(process.pid)
    finally:
        await mongo.close()
    note = (
        f"facts written straight into {FACTS}: one per ticket of the gateway's read model "
        f"({len(seeded):,}, created this run; analytics' consumer group committed at the "
        f"log's end), their {len(days)} day(s) marked dirty and built by the service's "
        f"refresher in {built_s:.0f} s; and {len(generated):,} generated over the 89 days "
        f"before, with their {len(history_buckets):,} buckets and {len(sheets):,} report "
        f"sheets computed by the service's `day_buckets` and `day_sheets` (writing took "
        f"{written_s:.0f} s); {buckets:,} bucket documents"
    )
    # The long note once, on the first row.
    return [
        *(
            _row(f"{name} ({total:,} tickets)", got, rate, "" if n else note)
            for n, (name, got) in enumerate(timed)
        ),
        Result(
            scenario="memory",
            metric="RSS of analytics after reports",
            value=round(memory, 1),
            unit="MB",
            target=f"< {TARGET_MB}",
            met=memory < TARGET_MB,
            detail="VmRSS of the service process",
        ),
    ]


def _row(what: str, got: Latencies, rate: float, note: str) -> Result:
    return Result(
        scenario="reports",
        metric=f"p95 {what}",
        value=round(got.p95_ms, 1),
        unit="ms",
        target=f"< {TARGET_P95_MS}",
        met=got.p95_ms < TARGET_P95_MS and got.errors == 0,
        detail=f"p50 {got.p50_ms:.1f} ms, p99 {got.p99_ms:.1f} ms, {got.count} requests open "
        f"loop at {rate:g}/s over a {RANGE_DAYS}-day range as a manager, {got.errors} errors"
        + (f"; {note}" if note else ""),
    )
