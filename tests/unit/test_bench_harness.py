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
from bench.kb_corpus import relevance_corpus
from bench.live_clients import Listeners, latencies, ms, ticket_id_of, ticket_new
from bench.measure import open_loop, open_loop_lanes
from bench.scenario_commands import workload
from bench.scenario_knowledge import typed
from bench.scenario_memory import memory, rss_mb
from bench.scenario_rebuild import EVENTS_PER_TICKET, ticket_events
from bench.scenario_reports import (
    RANGE_DAYS,
    REQUESTS,
    days_of,
    history,
    label,
    range_params,
)

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


def test_sla_bench_policies_are_a_valid_file_with_the_timing_asked_for() -> None:
    import yaml
    from bench.scenario_sla_timers import FULL_TIMING, QUICK_TIMING

    from sla.domain.policies import parse_config

    for timing in (QUICK_TIMING, FULL_TIMING):
        config = parse_config(yaml.safe_load(timing.policies_yaml()))
        assert config.warning_lead.total_seconds() == 60 * timing.warning_lead_minutes
        for priority in ("P1", "P2", "P3", "P4"):
            policy = config.policy_for(priority, None)
            assert policy.first_response_minutes == timing.first_response_minutes
            assert policy.resolution_minutes == timing.resolution_minutes
            assert not policy.business_hours  # calendar time: due times never move to Monday


def test_sla_facts_time_warnings_before_their_due_and_count_duplicates() -> None:
    from datetime import UTC, datetime, timedelta

    from bench.scenario_sla_timers import FULL_TIMING, Facts, percentile_s

    due = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    facts = Facts(FULL_TIMING, {"t1"}, [], [], {})

    def event(kind: str, ticket: str = "t1") -> dict[str, object]:
        payload = {"target": "first_response", "due_at": due.isoformat()}
        return {
            "type": kind,
            "ticket_id": ticket,
            "payload": payload,
            "occurred_at": due.isoformat(),
        }

    # The warning falls due a lead (one minute) before the target: 0.5 s late here.
    facts.on_event(event("ticket.sla_warning_issued"), due - timedelta(seconds=59.5))
    facts.on_event(event("ticket.sla_breached"), due + timedelta(seconds=2))
    facts.on_event(event("ticket.sla_breached"), due + timedelta(seconds=9))  # a duplicate
    facts.on_event(event("ticket.sla_breached", ticket="other"), due)  # not the bench's
    facts.on_event(event("ticket.submitted"), due)
    assert sorted(facts.lateness_s) == [0.5, 2.0]
    assert (facts.emitted, facts.expected, facts.duplicates) == (2, 4, 1)
    assert abs(percentile_s(facts.lateness_s, 99) - 2.0) < 0.01
    assert percentile_s([], 99) == 0.0


def test_intake_tickets_count_missing_and_duplicates_by_subject_marker() -> None:
    from datetime import UTC, datetime

    from bench.scenario_intake import Tickets, partner_record

    tickets = Tickets("Bench partner abc")
    now = datetime.now(UTC)
    for n in (0, 1, 1):
        payload = {"subject": tickets.subject(n)}
        tickets.on_event({"type": "ticket.submitted", "payload": payload}, now)
    tickets.on_event({"type": "ticket.submitted", "payload": {"subject": "Someone else"}}, now)
    tickets.on_event({"type": "ticket.message_posted", "payload": {"subject": "x"}}, now)
    assert (tickets.distinct, tickets.duplicates) == (2, 1)
    key, value = partner_record(3, tickets.subject(3), "abc")
    from contracts.intake import IntakeRequest

    request = IntakeRequest.model_validate_json(value)
    assert key == request.idempotency_key.encode() == b"abc-3"


def test_notify_workload_mails_customers_of_the_bench_domain_twice_each() -> None:
    from bench.scenario_notify import CUSTOMER_DOMAIN
    from bench.scenario_notify import workload as notify_workload

    envelopes = [CommandEnvelope.model_validate_json(v) for _, v in notify_workload(3)]
    submissions = [e for e in envelopes if e.type == "ticket.submit"]
    replies = [e for e in envelopes if e.type == "ticket.post_message"]
    assert len(submissions) == len(replies) == 3
    assert all(e.payload["customer"]["email"].endswith(CUSTOMER_DOMAIN) for e in submissions)
    assert all(e.payload["author"] == "agent" and not e.payload["internal"] for e in replies)
    assert {e.ticket_id for e in submissions} == {e.ticket_id for e in replies}


def test_suggest_queries_are_whole_queries_and_prefixes_of_them() -> None:
    _, queries = relevance_corpus()
    texts = typed(queries[:10])
    assert len(texts) == 20
    for query, whole, prefix in zip(queries[:10], texts[::2], texts[1::2], strict=True):
        assert whole == query.text
        assert query.text.startswith(prefix)
        assert len(prefix.split()) >= 2
    assert typed(queries[:10]) == texts  # the same load every run


def test_report_history_spreads_over_the_89_days_before_the_range_end() -> None:
    from datetime import date

    today = date(2026, 3, 30)
    facts = history(500, today)
    days = sorted({fact.created_day for fact in facts})
    first = date.fromisoformat(range_params(today)["from"])
    assert (today - first).days + 1 == RANGE_DAYS
    assert first.isoformat() <= days[0]
    assert days[-1] < today.isoformat()
    assert len(days) > 60  # spread, not one day
    assert len({fact.ticket_id for fact in facts}) == 500
    answered = [f for f in facts if f.first_response_s is not None]
    assert 0.8 < len(answered) / 500 < 1
    assert {f.rating for f in facts} == {None, "good", "bad"}
    assert all(f.is_open == (f.resolved_at is None) for f in facts)
    assert history(500, today) == facts


def test_report_history_buckets_count_every_fact_once() -> None:
    from datetime import date

    facts = history(300, date(2026, 3, 30))
    days = days_of(facts)
    buckets = [b for cube, _ in days.values() for b in cube]
    assert sum(b["created"] for b in buckets) == 300
    assert set(days) == {f.created_day for f in facts}
    assert sum(open_now for _, open_now in days.values()) == sum(f.is_open for f in facts)
    assert len({b["_id"] for b in buckets}) == len(buckets)


def test_report_requests_name_what_they_filter() -> None:
    assert {metric for metric, _ in REQUESTS} >= {
        "volume", "first_response_time", "csat", "heatmap"
    }  # fmt: skip
    assert label("first_response_time", {"priority": "P2"}) == "first_response_time, priority=P2"
    assert label("csat", {"group_by": "queue", "priority": "P2"}) == "csat by queue, priority=P2"
    assert label("volume", {}) == "volume"
