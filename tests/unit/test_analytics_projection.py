"""The fact projection and the bucket refresher together, over an in-memory store that
yields to the event loop on every call, so a refresh interleaves with the fact writes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from analytics.adapters.fact_store import AnalyticsStore
from analytics.domain.buckets import day_buckets
from analytics.domain.facts import TicketFact
from analytics.domain.sheets import day_sheets
from analytics.entrypoints.bucket_refresher import BucketRefresher
from analytics.entrypoints.fact_projection import FactProjection
from contracts.envelopes import EventEnvelope
from contracts.values import Actor

ZONE = ZoneInfo("America/New_York")
START = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)


class MemoryStore:
    def __init__(self, rng: random.Random) -> None:
        self.facts: dict[UUID, TicketFact] = {}
        self.dirty: dict[str, str] = {}
        self.daily: dict[str, dict[str, Any]] = {}
        self.sheets: dict[str, dict[str, Any]] = {}
        self.open_now: dict[str, int] = {}
        self._rng = rng

    async def _yield(self) -> None:
        for _ in range(self._rng.randint(0, 3)):
            await asyncio.sleep(0)

    async def facts_of(self, ticket_ids: Collection[UUID]) -> dict[UUID, TicketFact]:
        await self._yield()
        return {t: self.facts[t] for t in ticket_ids if t in self.facts}

    async def save_facts(self, changed: Iterable[TicketFact], read: Mapping[UUID, int]) -> None:
        for fact in changed:
            await self._yield()
            stored = self.facts.get(fact.ticket_id)
            if (stored.version if stored else 0) == read.get(fact.ticket_id, 0):
                self.facts[fact.ticket_id] = fact

    async def facts_created_on(self, day: str) -> list[TicketFact]:
        await self._yield()
        return [f for f in self.facts.values() if f.created_day == day]

    async def mark_dirty(self, days: Iterable[str]) -> None:
        await self._yield()
        for day in days:
            self.dirty[day] = str(uuid4())

    async def dirty_days(self) -> dict[str, str]:
        await self._yield()
        return dict(self.dirty)

    async def clear_dirty(self, day: str, stamp: str) -> bool:
        await self._yield()
        if self.dirty.get(day) == stamp:
            del self.dirty[day]
            return True
        return False

    async def replace_day(
        self,
        day: str,
        buckets: Sequence[dict[str, Any]],
        sheets: Sequence[dict[str, Any]],
        open_now: int,
    ) -> None:
        await self._yield()
        for key in [k for k, b in self.daily.items() if b["day"] == day]:
            del self.daily[key]
        for bucket in buckets:
            self.daily[bucket["_id"]] = bucket
        for sheet in sheets:
            self.sheets[sheet["_id"]] = sheet
        self.open_now[day] = open_now


@dataclass
class FakeRecord:
    value: bytes
    offset: int


def envelope(
    ticket: UUID, version: int, at: datetime, type_: str, payload: dict[str, Any]
) -> EventEnvelope:
    command = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        ticket_id=ticket,
        version=version,
        occurred_at=at,
        actor=Actor(kind="agent", id="a"),
        command_id=command,
        correlation_id=command,
        causation_id=command,
        payload=payload,
    )


def ticket_log(rng: random.Random, n: int) -> list[EventEnvelope]:
    created = START + timedelta(minutes=rng.randrange(60 * 24 * 5))
    ticket = uuid4()
    events = [
        envelope(
            ticket,
            1,
            created,
            "ticket.submitted",
            {
                "reference": f"DVK-{n}",
                "customer": {"name": "A", "email": "a@example.com"},
                "category": rng.choice(["billing", "tech"]),
                "priority": "P2",
                "subject": "s",
                "message_id": str(uuid4()),
                "message": "m",
                "channel": rng.choice(["web", "email"]),
            },
        ),
        envelope(
            ticket,
            2,
            created + timedelta(minutes=5),
            "ticket.message_posted",
            {"message_id": str(uuid4()), "author": "agent", "message": "hi", "channel": "web"},
        ),
    ]
    if rng.random() < 0.6:
        events.append(
            envelope(
                ticket,
                3,
                created + timedelta(hours=3),
                "ticket.status_changed",
                {"from_status": "new", "to_status": "resolved"},
            )
        )
    return events


def as_records(envelopes: list[EventEnvelope]) -> list[FakeRecord]:
    return [FakeRecord(e.model_dump_json().encode(), n) for n, e in enumerate(envelopes)]


async def run(seed: int, redeliver: bool) -> MemoryStore:
    rng = random.Random(seed)
    memory = MemoryStore(rng)
    store = cast(AnalyticsStore, memory)
    refresher = BucketRefresher(store, interval_s=0.001)
    projection = FactProjection(store, ZONE, refresher.mark)
    log = [e for n in range(60) for e in ticket_log(rng, n)]
    # Per ticket the order holds; tickets interleave as partitions would.
    rng.shuffle(log)
    log.sort(key=lambda e: (e.version,))
    if redeliver:
        log += log[: len(log) // 3]
    batches = []
    while log:
        size = rng.randint(1, 25)
        batches.append(as_records(log[:size]))
        log = log[size:]
    done = False

    async def consume() -> None:
        nonlocal done
        for batch in batches:
            await projection.on_events(batch)  # type: ignore[arg-type]
        done = True

    async def refresh() -> None:
        while not done:
            await refresher.refresh_once()
        await refresher.refresh_once()

    await asyncio.gather(consume(), refresh())
    return memory


def expected_daily(memory: MemoryStore) -> dict[str, dict[str, Any]]:
    days = {f.created_day for f in memory.facts.values()}
    return {
        b["_id"]: b
        for day in days
        for b in day_buckets(day, [f for f in memory.facts.values() if f.created_day == day])
    }


def expected_sheets(memory: MemoryStore) -> dict[str, dict[str, Any]]:
    by_day: dict[str, list[dict[str, Any]]] = {}
    for bucket in expected_daily(memory).values():
        by_day.setdefault(bucket["day"], []).append(bucket)
    cubes = {day: sorted(found, key=lambda b: str(b["_id"])) for day, found in by_day.items()}
    return {s["_id"]: s for day, cube in cubes.items() for s in day_sheets(day, cube)}


async def test_buckets_end_up_exactly_as_the_facts_say_despite_interleaving() -> None:
    for seed in range(8):
        memory = await run(seed, redeliver=False)
        assert len(memory.facts) == 60
        assert memory.dirty == {}
        assert memory.daily == expected_daily(memory)
        assert sum(b["created"] for b in memory.daily.values()) == 60
        assert memory.sheets == expected_sheets(memory)
        assert sum(memory.open_now.values()) == sum(f.is_open for f in memory.facts.values())


async def test_redelivered_events_change_no_figure() -> None:
    plain = await run(3, redeliver=False)
    again = await run(3, redeliver=True)
    assert sum(b["created"] for b in again.daily.values()) == 60
    assert again.daily == expected_daily(again)
    assert again.sheets == expected_sheets(again)
    assert {f.version for f in again.facts.values()} <= {2, 3}
    assert len(plain.daily) > 0
