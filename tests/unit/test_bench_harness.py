"""The bench harness's pure parts: open-loop timing, delivery delays, the report, workloads."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from uuid import UUID

# `bench` is a top-level package of the repository, not an installed one: pytest run as
# `python -m pytest` from the root finds it; `.venv/bin/pytest` needs the root on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import report
from bench.live_clients import Listeners, latencies, ms, ticket_id_of, ticket_new
from bench.measure import open_loop, open_loop_lanes
from bench.scenario_commands import workload
from bench.scenario_memory import memory, rss_mb
from bench.scenario_rebuild import EVENTS_PER_TICKET, ticket_events

from contracts.envelopes import CommandEnvelope, EventEnvelope


async def test_open_loop_counts_errors_and_time_from_the_due_moment() -> None:
    calls = 0

    async def request() -> bool:
        nonlocal calls
        calls += 1
        if calls % 2:
            await asyncio.sleep(0.05)  # slow answers must not delay later requests
            return True
        raise RuntimeError("refused")

    started = time.perf_counter()
    got = await open_loop(request, rate_per_s=100, duration_s=0.2)
    assert got.count == 20
    assert calls == 20
    assert got.errors == 10
    assert time.perf_counter() - started < 0.6  # open loop: not 10 x 50 ms one after another
    assert got.p99_ms >= 50
    assert 0 < got.answered_per_s <= 10 / got.elapsed_s + 1e-9


async def test_open_loop_lanes_count_the_wait_for_a_free_lane() -> None:
    used: list[int] = []

    async def request(lane: int) -> bool:
        used.append(lane)
        await asyncio.sleep(0.05)
        return lane != 1

    # 20 requests due over 0.2 s, 2 lanes of 20 requests/s each: a queue builds up.
    got = await open_loop_lanes(request, [0, 1], rate_per_s=100, duration_s=0.2)
    assert got.count == 20
    assert sorted(set(used)) == [0, 1]
    assert got.errors == used.count(1)
    assert got.p99_ms > 300  # the last ones waited for a lane, and that counts
    assert got.elapsed_s >= 0.5


def test_latencies_count_missed_deliveries_and_never_go_below_zero() -> None:
    reference = {"a": 10.0, "b": 11.0}
    received = [{"a": 10.05, "b": 10.9}, {"a": 10.2}]
    histogram, missed = latencies(reference, received)
    assert missed == 1
    assert histogram.get_total_count() == 3
    assert ms(histogram, 100) >= 199  # 200 ms, the slowest one
    assert ms(histogram, 0) < 1  # arrived before its reference: counted as 0


def test_listeners_resolve_arrivals_by_the_text_of_each_message() -> None:
    clients = Listeners("ws://unused", 2, ticket_new)
    text = json.dumps({"type": "ticket.new", "ticket": {"id": "t-1"}})
    clients.arrivals[0][hash(text)] = 1.5
    clients.texts[hash(text)] = text
    assert ticket_new(text)
    assert not ticket_new('{"type": "ticket.reply"}')
    assert clients.received(ticket_id_of) == [{"t-1": 1.5}, {}]


def test_report_writes_json_markdown_and_chart(tmp_path: Path) -> None:
    rows = [
        report.Result("submit", "tickets/s", 120.0, "tickets/s", ">= 500", False, 4000.0,
                      0.03, 0.25, "p99 90 ms"),
        report.Result("live", "p99", 20.0, "ms", "< 100", True),
        report.Result("rebuild", "scenario failed", 0, "", "", False, detail="boom"),
    ]  # fmt: skip
    written = report.write(rows, tmp_path, "run", "Bench")
    assert [p.suffix for p in written] == [".json", ".md", ".png"]
    as_json = json.loads(written[0].read_text())
    assert set(as_json[0]) >= {"scenario", "metric", "value", "unit", "target", "met",
                               "ceiling", "ratio", "ratio_target"}  # fmt: skip
    assert as_json[0]["ratio_target"] == 0.25
    table = written[1].read_text()
    assert "| submit | tickets/s | 120 tickets/s | >= 500 tickets/s | no |" in table
    assert "0.03 (≥ 0.25)" in table
    assert written[2].stat().st_size > 1000


def test_memory_rows_flag_a_service_over_the_target() -> None:
    rows = memory({"gateway": 150.0}, {"gateway": 250.0}, "submit")
    assert [r.met for r in rows] == [True, False]
    assert rss_mb(__import__("os").getpid()) > 1


def test_command_workload_submits_every_ticket_before_its_message() -> None:
    records = workload(3)
    envelopes = [CommandEnvelope.model_validate_json(v) for _, v in records]
    assert [e.type for e in envelopes] == ["ticket.submit"] * 3 + ["ticket.post_message"] * 3
    assert all(k == str(e.ticket_id).encode() for (k, _), e in zip(records, envelopes, strict=True))
    assert all(e.reply_to is None for e in envelopes)


def test_rebuild_events_are_one_ticket_with_consecutive_versions() -> None:
    from datetime import UTC, datetime

    events = [EventEnvelope.model_validate_json(v) for _, v in ticket_events(7, datetime.now(UTC))]
    assert len(events) == EVENTS_PER_TICKET
    assert [e.version for e in events] == list(range(1, EVENTS_PER_TICKET + 1))
    assert len({e.ticket_id for e in events}) == 1
    assert isinstance(events[0].ticket_id, UUID)
    assert events[0].type == "ticket.submitted"
    assert events[0].payload["reference"] == "DVK-8"
