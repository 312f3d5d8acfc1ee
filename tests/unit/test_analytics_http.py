"""The reports route: parameters, 422 reasons, JSON shape and CSV, over an in-memory store."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from analytics.adapters.report_reader import ReportReader
from analytics.domain.histogram import histogram_of, pack, unpack
from analytics.entrypoints.http_reports import router
from support.analytics_sheets import SheetsInMemory

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def bucket(day: str, queue: str, durations: list[float], **more: Any) -> dict[str, Any]:
    return {
        "day": day,
        "weekday": datetime.fromisoformat(day).weekday(),
        "channel": "web",
        "category": "billing",
        "priority": "P2",
        "queue": queue,
        "assignee": "ag-1",
        "created": len(durations),
        "frt_count": len(durations),
        "frt_sum_s": sum(durations),
        "frt_hist": histogram_of(durations),
        "open": more.get("open", 0),
        "hours": {"3": len(durations)},
    }


@pytest.fixture
def store() -> SheetsInMemory:
    # New York's today is still 24 November at 03:00 UTC on the 25th.
    return SheetsInMemory(
        [
            bucket("2026-11-24", "billing", [60, 120], open=2),
            bucket("2026-11-20", "tech", [600]),
            bucket("2026-09-01", "tech", [9999]),
        ]
    )


@pytest.fixture
async def client(store: SheetsInMemory) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.report_reader = ReportReader(store)
    app.state.zone = ZoneInfo("America/New_York")
    app.state.clock = lambda: NOW
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as made:
        yield made


async def test_json_shape_and_default_range(
    client: httpx.AsyncClient, store: SheetsInMemory
) -> None:
    answer = await client.get("/reports/first_response_time", params={"group_by": "queue"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # The two days of the default range that have tickets, from their base sheets of first
    # response times; September's day is out of range.
    assert store.asked[-1] == ["2026-11-20|base|frt", "2026-11-24|base|frt"]
    assert body["metric"] == "first_response_time"
    assert (body["from"], body["to"]) == ("2026-10-26", "2026-11-24")
    assert body["group_by"] == "queue"
    assert body["timezone"] == "America/New_York"
    assert body["generated_at"].startswith("2026-11-25T03:00:00")
    assert [(r["group"], r["count"], r["avg_s"]) for r in body["rows"]] == [
        ("billing", 2, 90.0),
        ("tech", 1, 600.0),
    ]


async def test_filters_and_range_reach_the_store(
    client: httpx.AsyncClient, store: SheetsInMemory
) -> None:
    answer = await client.get(
        "/reports/volume",
        params={"from": "2026-11-20", "to": "2026-11-24", "queue": "tech", "interval": "weekly"},
    )
    assert answer.status_code == 200, answer.text
    assert store.asked[-1] == ["2026-11-20|base|volume", "2026-11-24|base|volume"]
    assert answer.json()["rows"] == [
        {"period": "2026-11-16", "group": "all", "count": 1},
        {"period": "2026-11-23", "group": "all", "count": 0},
    ]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "after"),
        ({"group_by": "colour"}, "groups by"),
        ({"interval": "weekly"}, "volume report only"),
        ({"from": "not-a-date"}, "date"),
        ({"format": "xml"}, "pattern"),
    ],
)
async def test_bad_parameters_answer_422_with_the_reason(
    client: httpx.AsyncClient, params: dict[str, str], reason: str
) -> None:
    answer = await client.get("/reports/first_response_time", params=params)
    assert answer.status_code == 422
    assert reason in answer.text


async def test_unknown_metric_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.get("/reports/happiness")
    assert answer.status_code == 404
    assert "first_response_time" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("params", "headers"), [({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})]
)
async def test_csv_by_parameter_or_accept(
    client: httpx.AsyncClient, params: dict[str, str], headers: dict[str, str]
) -> None:
    answer = await client.get(
        "/reports/first_response_time", params={"group_by": "queue", **params}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["group"], r["count"], r["avg_s"]) for r in rows] == [
        ("billing", "2", "90.0"),
        ("tech", "1", "600.0"),
    ]


async def test_backlog_and_agent_load_ignore_the_range(client: httpx.AsyncClient) -> None:
    backlog = await client.get(
        "/reports/backlog", params={"from": "2020-01-01", "to": "2020-01-02"}
    )
    assert backlog.status_code == 200
    assert [(r["age"], r["count"]) for r in backlog.json()["rows"]] == [
        ("<1d", 2),
        ("1-3d", 0),
        ("3-7d", 0),
        (">7d", 0),
    ]
    load = await client.get("/reports/agent_load")
    assert load.json()["rows"] == [{"assignee": "ag-1", "open": 2}]


async def test_heatmap_is_a_full_week_of_hours(client: httpx.AsyncClient) -> None:
    rows = (await client.get("/reports/heatmap")).json()["rows"]
    assert len(rows) == 168
    assert sum(r["count"] for r in rows) == 3
    monday_3 = next(r for r in rows if r["weekday"] == 0 and r["hour"] == 3)
    assert monday_3 == {"weekday": 0, "weekday_name": "Mon", "hour": 3, "count": 0}


async def test_a_day_is_read_again_only_when_its_stamp_changes(
    client: httpx.AsyncClient, store: SheetsInMemory
) -> None:
    params = {"from": "2026-11-01", "to": "2026-11-24"}
    first = (await client.get("/reports/volume", params=params)).json()["rows"]
    assert store.asked[-1] == ["2026-11-20|base|volume", "2026-11-24|base|volume"]
    asked = len(store.asked)
    assert (await client.get("/reports/volume", params=params)).json()["rows"] == first
    assert len(store.asked) == asked  # both days served from memory
    # The refresher rewrote the 24th with one more ticket, and stamped it anew.
    sheet = store.docs["2026-11-24|base|volume"]
    sheet["entries"] = [{**sheet["entries"][0], "created": sheet["entries"][0]["created"] + 1}]
    store.stamps["2026-11-24"]["stamp"] = "second"
    again = (await client.get("/reports/volume", params=params)).json()["rows"]
    assert store.asked[-1] == ["2026-11-24|base|volume"]
    assert sum(r["count"] for r in again) == sum(r["count"] for r in first) + 1


async def test_requests_arriving_together_read_each_day_once(store: SheetsInMemory) -> None:
    release = asyncio.Event()
    reads = store.sheets

    async def slow_sheets(ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        await release.wait()
        return await reads(ids)

    store.sheets = slow_sheets  # type: ignore[method-assign]
    reader = ReportReader(store)
    no_filter: dict[str, str] = {}
    asked = ("2026-11-01", "2026-11-24", no_filter, "volume", "none")
    together = [asyncio.create_task(reader.buckets_between(*asked)) for _ in range(5)]
    await asyncio.sleep(0)  # all five are waiting on the one read
    release.set()
    answers = await asyncio.gather(*together)
    assert len(store.asked) == 1
    assert all(answer == answers[0] for answer in answers)
    assert sum(b["created"] for b in answers[0]) == 3


async def test_a_failed_read_fails_its_waiters_and_the_next_request_reads_again(
    store: SheetsInMemory,
) -> None:
    reads = store.sheets

    async def broken(ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        raise ConnectionError("FerretDB went away")

    store.sheets = broken  # type: ignore[method-assign]
    reader = ReportReader(store)
    with pytest.raises(ConnectionError):
        await reader.buckets_between("2026-11-01", "2026-11-24", {}, "volume", "none")
    store.sheets = reads  # type: ignore[method-assign]
    again = await reader.buckets_between("2026-11-01", "2026-11-24", {}, "volume", "none")
    assert sum(b["created"] for b in again) == 3


def test_packed_histograms_round_trip() -> None:
    counts = histogram_of([0.2, 5, 5, 3600, 86_400 * 3])
    assert unpack(pack(counts)) == counts
    assert pack({}) == ""
    assert unpack("") == {}
