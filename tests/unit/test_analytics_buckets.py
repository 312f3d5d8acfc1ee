"""Local days and hours across midnight and DST changes, and the daily buckets built on them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from analytics.domain.buckets import bucket_id, day_buckets
from analytics.domain.facts import EventAt, TicketFact, fold
from analytics.domain.histogram import bin_of
from analytics.domain.local_time import days_between, local_slot, week_start
from analytics.domain.reports import (
    ALLOWED_GROUPINGS,
    NOW_REPORTS,
    RANGE_REPORTS,
    Filters,
    ReportQuery,
    heatmap_rows,
    volume_rows,
)
from analytics.domain.sheets import FAMILIES, SHEET_KINDS, day_part, day_sheets, kind_of, sheet_id
from contracts.events import MessagePosted, StatusChanged, TicketRated, TicketSubmitted
from contracts.values import Customer

NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "day", "weekday", "hour"),
    [
        # Midnight in New York (EST, UTC-5) on Saturday 7 March → Sunday 8 March.
        (utc(2026, 3, 8, 4, 59), "2026-03-07", 5, 23),
        (utc(2026, 3, 8, 5, 0), "2026-03-08", 6, 0),
        # Spring forward at 02:00 EST on 8 March: 01:59 EST, then 03:00 EDT (no 2 o'clock).
        (utc(2026, 3, 8, 6, 59), "2026-03-08", 6, 1),
        (utc(2026, 3, 8, 7, 0), "2026-03-08", 6, 3),
        # Midnight after the change is at 04:00 UTC (EDT, UTC-4).
        (utc(2026, 3, 9, 3, 59), "2026-03-08", 6, 23),
        (utc(2026, 3, 9, 4, 0), "2026-03-09", 0, 0),
        # Fall back on Sunday 1 November: 01:30 EDT and, an hour later, 01:30 EST.
        (utc(2026, 11, 1, 5, 30), "2026-11-01", 6, 1),
        (utc(2026, 11, 1, 6, 30), "2026-11-01", 6, 1),
        (utc(2026, 11, 1, 7, 30), "2026-11-01", 6, 2),
        # Midnight before it is at 04:00 UTC, after it at 05:00 UTC.
        (utc(2026, 11, 1, 3, 59), "2026-10-31", 5, 23),
        (utc(2026, 11, 2, 4, 59), "2026-11-01", 6, 23),
        (utc(2026, 11, 2, 5, 0), "2026-11-02", 0, 0),
    ],
)
def test_local_slot_across_midnight_and_dst(
    instant: datetime, day: str, weekday: int, hour: int
) -> None:
    slot = local_slot(instant, NEW_YORK)
    assert (slot.day, slot.weekday, slot.hour) == (day, weekday, hour)


def test_utc_is_the_default_reading() -> None:
    slot = local_slot(utc(2026, 3, 8, 4, 59), ZoneInfo("UTC"))
    assert (slot.day, slot.hour) == ("2026-03-08", 4)


def test_calendar_helpers() -> None:
    assert days_between(date(2026, 2, 27), date(2026, 3, 1)) == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
    ]
    assert days_between(date(2026, 3, 2), date(2026, 3, 1)) == []
    assert week_start(date(2026, 3, 8)) == date(2026, 3, 2)
    assert week_start(date(2026, 3, 9)) == date(2026, 3, 9)


def fact_at(created: datetime, zone: ZoneInfo = NEW_YORK, **extra: object) -> TicketFact:
    ticket = uuid4()
    event = TicketSubmitted(
        reference=f"DVK-{ticket.int % 10_000}",
        customer=Customer(name="Ada", email="ada@example.com"),
        category="billing",
        priority="P2",
        subject="Help",
        message_id=uuid4(),
        message="Help",
        channel="web",
    )
    fact = fold(None, EventAt(ticket, 1, created, event), zone).fact
    assert fact is not None
    return fact


def test_tickets_either_side_of_midnight_and_dst_land_in_their_day_and_cell() -> None:
    facts = [
        fact_at(utc(2026, 3, 8, 4, 59)),  # Sat 23:00 local
        fact_at(utc(2026, 3, 8, 5, 0)),  # Sun 00:00
        fact_at(utc(2026, 3, 8, 6, 59)),  # Sun 01:00 EST
        fact_at(utc(2026, 3, 8, 7, 0)),  # Sun 03:00 EDT
        fact_at(utc(2026, 11, 1, 5, 30)),  # Sun 01:30 EDT
        fact_at(utc(2026, 11, 1, 6, 30)),  # Sun 01:30 EST
    ]
    by_day: dict[str, list[TicketFact]] = {}
    for fact in facts:
        by_day.setdefault(fact.created_day, []).append(fact)
    assert sorted(by_day) == ["2026-03-07", "2026-03-08", "2026-11-01"]
    buckets = [
        b for day, found in by_day.items() for b in day_buckets(day, found) if b["rollup"] == "cube"
    ]
    query = ReportQuery("heatmap", date(2026, 3, 1), date(2026, 11, 30), "none")
    cells = {
        (r["weekday"], r["hour"]): r["count"]
        for r in heatmap_rows(query, buckets, utc(2026, 12, 1))
    }
    assert len(cells) == 7 * 24
    assert cells[(5, 23)] == 1
    assert cells[(6, 0)] == 1
    assert cells[(6, 1)] == 3  # 01:xx EST in March and both 01:30s in November
    assert cells[(6, 2)] == 0
    assert cells[(6, 3)] == 1
    assert sum(cells.values()) == 6
    volume = volume_rows(
        ReportQuery("volume", date(2026, 3, 7), date(2026, 3, 8), "none"), buckets, utc(2026, 12, 1)
    )
    assert volume == [
        {"period": "2026-03-07", "group": "all", "count": 1},
        {"period": "2026-03-08", "group": "all", "count": 3},
    ]


def test_a_day_bucket_sums_its_facts() -> None:
    created = utc(2026, 11, 20, 14, 0)
    fact = fact_at(created)
    fact = _more(fact, ticket_id=fact.ticket_id)
    other = fact_at(created + timedelta(hours=1))
    (bucket,) = [b for b in day_buckets("2026-11-20", [fact, other]) if b["rollup"] == "cube"]
    assert bucket["_id"] == bucket_id("2026-11-20", ("web", "billing", "P2", None, None))
    assert (bucket["created"], bucket["open"], bucket["resolved"]) == (2, 1, 1)
    assert (bucket["frt_count"], bucket["frt_sum_s"]) == (1, 600.0)
    assert bucket["frt_hist"] == {str(bin_of(600)): 1}
    assert (bucket["res_count"], bucket["res_sum_s"]) == (1, 1200.0)
    assert (bucket["rated_good"], bucket["rated_bad"]) == (1, 0)
    assert bucket["comments"][0]["comment"] == "great"
    assert bucket["hours"] == {"9": 1, "10": 1}
    assert bucket["weekday"] == 4


def _more(fact: TicketFact, ticket_id: UUID) -> TicketFact:
    zone = NEW_YORK
    steps = [
        MessagePosted(message_id=uuid4(), author="agent", message="hi", channel="web"),
        StatusChanged(from_status="new", to_status="resolved"),
        TicketRated(rating="good", comment="great"),
    ]
    current: TicketFact | None = fact
    for n, event in enumerate(steps, start=2):
        item = EventAt(ticket_id, n, fact.created_at + timedelta(minutes=10 * (n - 1)), event)
        current = fold(current, item, zone).fact
    assert current is not None
    return current


def test_buckets_refuse_a_fact_of_another_day() -> None:
    with pytest.raises(ValueError, match="among"):
        day_buckets("2026-11-21", [fact_at(utc(2026, 11, 20, 14, 0))])


def test_recomputing_a_day_gives_the_same_documents() -> None:
    facts = [fact_at(utc(2026, 11, 20, 14, n)) for n in range(5)]
    assert day_buckets("2026-11-20", facts) == day_buckets("2026-11-20", list(reversed(facts)))


def test_sheets_give_the_same_reports_as_the_cube() -> None:
    rng = random.Random(11)
    facts: list[TicketFact] = []
    for n in range(300):
        fact = fact_at(utc(2026, 11, 2 + n % 5, rng.randrange(24), rng.randrange(60)))
        first = fact.created_at + timedelta(seconds=rng.randint(1, 90_000))
        facts.append(
            replace(
                fact,
                channel=rng.choice(["web", "email", "chat"]),
                category=rng.choice(["billing", "tech"]),
                priority=rng.choice(["P1", "P2", "P3"]),
                queue=rng.choice([None, "q1", "q2"]),
                assignee=rng.choice([None, "ag-1", "ag-2", "ag-3"]),
                first_response_at=first,
                resolved_at=first + timedelta(seconds=rng.randint(1, 90_000))
                if rng.random() < 0.6
                else None,
                status=rng.choice(["open", "resolved", "new"]),
                rating=rng.choice([None, "good", "bad"]),
                rating_comment=f"c{n}",
                rated_at=first,
                sla_tracked=True,
                sla_breached=rng.choice([(), ("resolution",)]),
            )
        )
    days: dict[str, list[TicketFact]] = {}
    for fact in facts:
        days.setdefault(fact.created_day, []).append(fact)
    cubes = {day: day_buckets(day, found) for day, found in days.items()}
    sheets = {sheet["_id"]: sheet for day, cube in cubes.items() for sheet in day_sheets(day, cube)}
    now, today = utc(2026, 11, 25), date(2026, 11, 25)
    filter_sets = [Filters(), Filters(queue="q1"), Filters(priority="P2", channel="web")]
    reports: dict[str, Callable[..., list[dict[str, Any]]]] = {**RANGE_REPORTS, **NOW_REPORTS}
    checked = 0
    for metric, report in reports.items():
        for group_by in ALLOWED_GROUPINGS[metric]:
            for filters in filter_sets:
                query = ReportQuery(
                    metric, date(2026, 11, 1), date(2026, 11, 10), group_by, filters=filters
                )
                wanted = filters.as_dict()
                cube = [
                    b
                    for found in cubes.values()
                    for b in found
                    if all(b.get(k) == v for k, v in wanted.items())
                ]
                family = "open" if metric in NOW_REPORTS else metric
                if metric in ("first_response_time", "resolution_time"):
                    family = "frt" if metric == "first_response_time" else "res"
                parts = [
                    bucket
                    for day in sorted(days)
                    for bucket in day_part(
                        sheets[sheet_id(day, kind_of(group_by), family)],
                        wanted,
                        group_by,
                        FAMILIES[family],
                    )
                ]
                at = today if metric in NOW_REPORTS else now
                assert report(query, parts, at) == report(query, cube, at), (
                    metric,
                    group_by,
                    wanted,
                )
                assert report(query, cube, at), (metric, group_by, wanted)  # not vacuous
                checked += 1
    assert checked > 80


def test_every_day_has_every_sheet_even_empty_ones() -> None:
    # A rewritten day replaces each sheet by `_id`: none may be left over from before.
    facts = [fact_at(utc(2026, 11, 20, 14, 0))]
    sheets = day_sheets("2026-11-20", day_buckets("2026-11-20", facts))
    assert len({s["_id"] for s in sheets}) == len(SHEET_KINDS) * len(FAMILIES)
    csat = [s for s in sheets if s["family"] == "csat"]
    assert len(csat) == len(SHEET_KINDS)
    assert all(s["entries"] == [] for s in csat)  # nobody rated
