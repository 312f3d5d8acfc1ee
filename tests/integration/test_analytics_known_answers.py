"""Analytics from a generated event log with known answers, a replay, and the gateway's proxy.

The test writes the events of 1,000 synthetic tickets straight onto a scratch copy of the event
log, in one Kafka transaction (valid versions 1..n per new ticket id, known `occurred_at` times, a
queue of its own so the reports can be filtered to them, some events delivered twice), and
computes every expected figure itself from what it wrote (the business-hours durations too,
in a calendar file given to the service, with a holiday; some tickets either side of local
midnight and of a DST change). The analytics service runs as a
real process; a second one with a fresh consumer group and database replays the whole log
and must give the same figures.
"""

from __future__ import annotations

import csv
import io
import math
import random
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from conftest import Stack, bearer
from contracts.envelopes import EventEnvelope
from contracts.topics import ALL_TOPICS, TICKET_EVENTS
from contracts.values import Actor
from kit.kafka import ensure_topics
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
TICKETS = 1000
FIRST = date(2026, 10, 1)
# Through New York's fall-back DST change (Sunday 1 November 2026, 02:00 EDT → 01:00 EST).
LAST = date(2026, 11, 3)
RANGE = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
AGENTS = 4
# The first tickets are made either side of local midnight and of the DST change; the rest
# are spread at random over the range.
EDGES = (
    datetime(2026, 11, 1, 3, 59, tzinfo=UTC),  # Sat 31 Oct 23:59 EDT
    datetime(2026, 11, 1, 4, 0, tzinfo=UTC),  # Sun 1 Nov 00:00 EDT
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT
    datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 EST, an hour later
    datetime(2026, 11, 2, 4, 59, tzinfo=UTC),  # Sun 1 Nov 23:59 EST
    datetime(2026, 11, 2, 5, 0, tzinfo=UTC),  # Mon 2 Nov 00:00 EST
)
METRIC_PARAMS: list[tuple[str, dict[str, str]]] = [
    ("first_response_time", {"group_by": "none"}),
    ("first_response_time", {"group_by": "agent"}),
    ("first_response_time", {"group_by": "agent", "clock": "business"}),
    ("resolution_time", {"group_by": "agent"}),
    ("resolution_time", {"group_by": "priority", "clock": "business"}),
    ("resolution_time", {"group_by": "priority"}),
    ("volume", {"group_by": "channel"}),
    ("volume", {"group_by": "category", "interval": "weekly"}),
    ("csat", {"group_by": "none"}),
    ("heatmap", {}),
    ("sla", {"group_by": "queue"}),
    ("backlog", {}),
    ("agent_load", {}),
]


# The team's business calendar, given to the service as a file shaped like the SLA policies
# file: Monday to Friday 09:00-17:00 New York time, minus one holiday inside the range.
HOLIDAY = date(2026, 10, 12)
OPENS, CLOSES = time(9), time(17)
CALENDAR_YAML = f"""
calendar:
  timezone: {ZONE_NAME}
  weekdays: [mon, tue, wed, thu, fri]
  hours: {{start: "09:00", end: "17:00"}}
  holidays: [{HOLIDAY.isoformat()}]
"""


def business_seconds(start: datetime, end: datetime) -> float:
    """Working seconds between two instants, worked out here day by day (not with the kit)."""
    total = 0.0
    day = start.astimezone(ZONE).date()
    while day <= end.astimezone(ZONE).date():
        if day.weekday() < 5 and day != HOLIDAY:
            opens = datetime.combine(day, OPENS, tzinfo=ZONE).astimezone(UTC)
            closes = datetime.combine(day, CLOSES, tzinfo=ZONE).astimezone(UTC)
            total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        day += timedelta(days=1)
    return total


@dataclass
class Truth:
    """What the test wrote, and so what the reports must say."""

    queue: str
    agents: list[str]
    first_response: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    resolution: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    resolution_by_priority: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    first_response_business: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    resolution_business_by_priority: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    volume: Counter[tuple[str, str]] = field(default_factory=Counter)
    weekly_category: Counter[tuple[str, str]] = field(default_factory=Counter)
    heatmap: Counter[tuple[int, int]] = field(default_factory=Counter)
    good: int = 0
    bad: int = 0
    comments: list[tuple[datetime, str]] = field(default_factory=list)
    sla_tracked: int = 0
    fr_breaches: int = 0
    res_breaches: int = 0
    breached: int = 0
    open_by_agent: Counter[str] = field(default_factory=Counter)
    envelopes: list[EventEnvelope] = field(default_factory=list)


class TicketWriter:
    def __init__(self, ticket_id: UUID, start: datetime) -> None:
        self.ticket_id = ticket_id
        self.version = 0
        self.start = start
        self.envelopes: list[EventEnvelope] = []

    def add(
        self, seconds: float, type_: str, payload: dict[str, Any], actor: str = "agent"
    ) -> None:
        self.version += 1
        command_id = uuid4()
        self.envelopes.append(
            EventEnvelope(
                event_id=uuid4(),
                type=type_,
                ticket_id=self.ticket_id,
                version=self.version,
                occurred_at=self.start + timedelta(seconds=seconds),
                actor=Actor(kind=actor, id="synthetic"),  # type: ignore[arg-type]
                command_id=command_id,
                correlation_id=command_id,
                causation_id=command_id,
                payload=payload,
            )
        )


def message(author: str, *, internal: bool = False) -> dict[str, Any]:
    return {
        "message_id": str(uuid4()),
        "author": author,
        "message": "synthetic",
        "channel": "web",
        "internal": internal,
    }


def generate(seed: int) -> Truth:
    rng = random.Random(seed)
    run = uuid4().hex[:8]
    truth = Truth(queue=f"analytics-test-{run}", agents=[f"an-{run}-{k}" for k in range(AGENTS)])
    span_s = int(
        (
            datetime.combine(LAST, datetime.min.time())
            - datetime.combine(FIRST, datetime.min.time())
        ).total_seconds()
    )
    # Local midnight of FIRST, so every ticket's local day is inside the range.
    origin = datetime.combine(FIRST, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)
    for n in range(TICKETS):
        created = EDGES[n] if n < len(EDGES) else origin + timedelta(seconds=rng.randrange(span_s))
        writer = TicketWriter(uuid4(), created)
        channel = rng.choice(["web", "email", "chat", "api"])
        category = rng.choice(["billing", "tech"])
        priority = rng.choice(["P1", "P2", "P3", "P4"])
        agent = rng.choice(truth.agents)
        writer.add(
            0,
            "ticket.submitted",
            {
                "reference": f"SYN-{run}-{n}",
                "customer": {"name": "Synthetic", "email": "synthetic@example.com"},
                "category": category,
                "priority": priority,
                "subject": "Synthetic ticket",
                "message_id": str(uuid4()),
                "message": "synthetic",
                "channel": channel,
            },
            actor="customer",
        )
        writer.add(1, "ticket.routed", {"queue": truth.queue, "rule": "synthetic"})
        writer.add(2, "ticket.assigned", {"assignee": agent, "queue": truth.queue})
        writer.add(3, "ticket.message_posted", message("customer"), actor="customer")
        writer.add(4, "ticket.message_posted", message("agent", internal=True))
        local = created.astimezone(ZONE)
        truth.volume[(local.date().isoformat(), channel)] += 1
        monday = local.date() - timedelta(days=local.date().weekday())
        truth.weekly_category[(monday.isoformat(), category)] += 1
        truth.heatmap[(local.weekday(), local.hour)] += 1
        status = "new"
        if rng.random() < 0.9:
            frt = float(rng.randint(10, 20_000))
            writer.add(frt, "ticket.message_posted", message("agent"))
            writer.add(frt + 5, "ticket.message_posted", message("agent"))
            truth.first_response[agent].append(frt)
            truth.first_response_business[agent].append(
                business_seconds(created, created + timedelta(seconds=frt))
            )
            if rng.random() < 0.7:
                resolved = frt + rng.randint(60, 400_000)
                writer.add(
                    resolved,
                    "ticket.status_changed",
                    {"from_status": "new", "to_status": "resolved"},
                )
                status = "resolved"
                if rng.random() < 0.15:
                    writer.add(
                        resolved + 100,
                        "ticket.status_changed",
                        {"from_status": "resolved", "to_status": "open"},
                    )
                    resolved += rng.randint(200, 50_000)
                    writer.add(
                        resolved,
                        "ticket.status_changed",
                        {"from_status": "open", "to_status": "resolved"},
                    )
                truth.resolution[agent].append(resolved)
                truth.resolution_by_priority[priority].append(resolved)
                truth.resolution_business_by_priority[priority].append(
                    business_seconds(created, created + timedelta(seconds=resolved))
                )
                if rng.random() < 0.5:
                    if rng.random() < 0.3:
                        # Rated twice: only the newer rating counts.
                        writer.add(
                            resolved + 10,
                            "ticket.rated",
                            {"rating": "bad", "comment": "first thought"},
                            actor="customer",
                        )
                    rating = rng.choice(["good", "good", "bad"])
                    comment = f"comment {run} {n}" if rng.random() < 0.5 else None
                    writer.add(
                        resolved + 20,
                        "ticket.rated",
                        {"rating": rating, "comment": comment},
                        actor="customer",
                    )
                    truth.good += rating == "good"
                    truth.bad += rating == "bad"
                    if comment:
                        truth.comments.append((created + timedelta(seconds=resolved + 20), comment))
                if rng.random() < 0.3:
                    writer.add(
                        resolved + 30,
                        "ticket.status_changed",
                        {"from_status": "resolved", "to_status": "closed"},
                    )
            else:
                writer.add(
                    frt + 10,
                    "ticket.status_changed",
                    {"from_status": "new", "to_status": "in_progress"},
                )
                status = "in_progress"
        if status not in ("resolved", "closed"):
            truth.open_by_agent[agent] += 1
        if rng.random() < 0.25:
            truth.sla_tracked += 1
            last = writer.envelopes[-1].occurred_at - created
            base = last.total_seconds() + 1
            writer.add(
                base,
                "ticket.sla_clocks_set",
                {
                    "clocks": [
                        {
                            "target": "first_response",
                            "policy": "P2",
                            "target_minutes": 60,
                            "met_at": None,
                        }
                    ]
                },
                actor="system",
            )
            targets = rng.choice(
                [[], ["first_response"], ["resolution"], ["first_response", "resolution"]]
            )
            for k, target in enumerate(targets):
                due = (created + timedelta(seconds=base)).isoformat()
                writer.add(
                    base + 1 + k,
                    "ticket.sla_breached",
                    {"target": target, "due_at": due},
                    actor="system",
                )
            truth.breached += bool(targets)
            truth.fr_breaches += "first_response" in targets
            truth.res_breaches += "resolution" in targets
        truth.envelopes.extend(writer.envelopes)
        if rng.random() < 0.1:
            # Delivered again (at least once): must change nothing.
            truth.envelopes.extend(writer.envelopes[1:])
    return truth


# The generated log goes to a scratch topic of its own: written straight, with duplicates, it
# must never reach the real event log, whose writer replays it at start.
SCRATCH_EVENTS = replace(TICKET_EVENTS, name=f"test.analytics.events.{uuid4().hex[:8]}")


async def produce(bootstrap: str, envelopes: list[EventEnvelope]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        transactional_id=f"analytics-test-{uuid4()}",
        enable_idempotence=True,
        acks="all",
    )
    await producer.start()
    try:
        async with producer.transaction():
            for envelope in envelopes:
                await producer.send(
                    SCRATCH_EVENTS.name,
                    value=envelope.model_dump_json().encode(),
                    key=str(envelope.ticket_id).encode(),
                )
    finally:
        await producer.stop()


def nearest_rank(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def duration_mismatches(
    rows: list[dict[str, Any]], expected: dict[str, list[float]], what: str
) -> list[str]:
    found = {row["group"]: row for row in rows}
    problems = []
    if set(found) != set(expected):
        return [f"{what}: groups {sorted(found, key=str)} != {sorted(expected)}"]
    for group, values in expected.items():
        row = found[group]
        if row["count"] != len(values):
            problems.append(f"{what} {group}: count {row['count']} != {len(values)}")
            continue
        if abs(row["avg_s"] - sum(values) / len(values)) > 0.001:
            problems.append(f"{what} {group}: avg {row['avg_s']} != {sum(values) / len(values)}")
        for key, fraction in (("median_s", 0.5), ("p90_s", 0.9)):
            exact = nearest_rank(values, fraction)
            # Within one histogram bin (bins are under 10 % wide).
            if abs(row[key] - exact) > 0.1 * exact + 1:
                problems.append(f"{what} {group}: {key} {row[key]} vs exact {exact}")
    return problems


def mismatches(truth: Truth, reports: dict[str, dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    everyone = [v for values in truth.first_response.values() for v in values]
    problems += duration_mismatches(
        reports["first_response_time none"]["rows"], {"all": everyone}, "frt"
    )
    problems += duration_mismatches(
        reports["first_response_time agent"]["rows"], truth.first_response, "frt by agent"
    )
    problems += duration_mismatches(
        reports["resolution_time agent"]["rows"], truth.resolution, "resolution by agent"
    )
    problems += duration_mismatches(
        reports["first_response_time agent business"]["rows"],
        truth.first_response_business,
        "business frt by agent",
    )
    problems += duration_mismatches(
        reports["resolution_time priority business"]["rows"],
        truth.resolution_business_by_priority,
        "business resolution by priority",
    )
    problems += duration_mismatches(
        reports["resolution_time priority"]["rows"],
        truth.resolution_by_priority,
        "resolution by priority",
    )
    volume = {
        (r["period"], r["group"]): r["count"]
        for r in reports["volume channel"]["rows"]
        if r["count"]
    }
    if volume != dict(truth.volume):
        problems.append(
            f"volume by channel: {sorted(volume.items())} != {sorted(truth.volume.items())}"
        )
    weekly = {
        (r["period"], r["group"]): r["count"]
        for r in reports["volume category"]["rows"]
        if r["count"]
    }
    if weekly != dict(truth.weekly_category):
        problems.append(f"weekly volume: {weekly} != {dict(truth.weekly_category)}")
    (csat,) = reports["csat none"]["rows"] or [{}]
    if (csat.get("good"), csat.get("bad")) != (truth.good, truth.bad):
        problems.append(f"csat: {csat.get('good')}/{csat.get('bad')} != {truth.good}/{truth.bad}")
    else:
        newest = [c for _, c in sorted(truth.comments, reverse=True)[:10]]
        if [c["comment"] for c in csat["latest_comments"]] != newest:
            problems.append(f"csat comments: {csat['latest_comments']} != {newest}")
        if abs(csat["share_good"] - truth.good / (truth.good + truth.bad)) > 0.0001:
            problems.append("csat share")
    heat = {
        (r["weekday"], r["hour"]): r["count"] for r in reports["heatmap none"]["rows"] if r["count"]
    }
    if heat != dict(truth.heatmap):
        problems.append(f"heatmap: {heat} != {dict(truth.heatmap)}")
    sla = reports["sla queue"]["rows"]
    wanted = [
        {
            "group": truth.queue,
            "tickets": TICKETS,
            "sla_tracked": truth.sla_tracked,
            "breached": truth.breached,
            "first_response_breaches": truth.fr_breaches,
            "resolution_breaches": truth.res_breaches,
            "attainment": round((truth.sla_tracked - truth.breached) / truth.sla_tracked, 4),
        }
    ]
    if sla != wanted:
        problems.append(f"sla: {sla} != {wanted}")
    backlog = {r["age"]: r["count"] for r in reports["backlog none"]["rows"]}
    open_total = sum(truth.open_by_agent.values())
    if backlog != {"<1d": 0, "1-3d": 0, "3-7d": 0, ">7d": open_total}:
        problems.append(f"backlog: {backlog} != {open_total} older than a week")
    load = {r["assignee"]: r["open"] for r in reports["agent_load agent"]["rows"]}
    if load != dict(truth.open_by_agent):
        problems.append(f"agent load: {load} != {dict(truth.open_by_agent)}")
    return problems


async def all_reports(base_url: str, queue: str) -> dict[str, dict[str, Any]]:
    found = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for metric, params in METRIC_PARAMS:
            answer = await client.get(
                f"/reports/{metric}", params={**RANGE, "queue": queue, **params}
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            business = " business" if body.get("clock") == "business" else ""
            found[f"{metric} {body['group_by']}{business}"] = body
    return found


def start_analytics(service_env: dict[str, str]) -> ServiceProcess:
    suffix = uuid4().hex[:8]
    calendar = Path(tempfile.mkdtemp(prefix="dvika-analytics-")) / "calendar.yaml"
    calendar.write_text(CALENDAR_YAML, encoding="utf-8")
    process = ServiceProcess(
        "analytics",
        free_port(),
        {
            **service_env,
            "DVIKA_MONGODB_DATABASE": f"dvika_analytics_{suffix}",
            "DVIKA_ANALYTICS_CONSUMER_GROUP": f"dvika-analytics-test-{suffix}",
            "DVIKA_ANALYTICS_TIMEZONE": ZONE_NAME,
            "DVIKA_ANALYTICS_REFRESH_INTERVAL_S": "0.2",
            "DVIKA_ANALYTICS_EVENTS_TOPIC": SCRATCH_EVENTS.name,
            "DVIKA_ANALYTICS_CALENDAR_FILE": str(calendar),
        },
    )
    process.start()
    return process


@pytest.fixture(scope="module")
async def truth(kafka_bootstrap: str) -> Truth:
    made = generate(seed=20261125)
    # The servers may be fresh: the topics are made as every service makes them.
    await ensure_topics(kafka_bootstrap, (*ALL_TOPICS, SCRATCH_EVENTS))
    await produce(kafka_bootstrap, made.envelopes)
    return made


@pytest.fixture(scope="module")
def analytics(service_env: dict[str, str], truth: Truth) -> Iterator[ServiceProcess]:
    process = start_analytics(service_env)
    try:
        yield process
    finally:
        process.stop()


async def settled(base_url: str, truth: Truth, timeout_s: float = 120) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}

    async def probe() -> bool:
        latest.update(await all_reports(base_url, truth.queue))
        return not mismatches(truth, latest)

    try:
        await eventually(
            probe, timeout_s=timeout_s, what="the reports to match the log", interval_s=0.5
        )
    except AssertionError:
        assert mismatches(truth, latest) == []
    return latest


async def test_reports_give_the_figures_the_log_implies(
    analytics: ServiceProcess, truth: Truth
) -> None:
    reports = await settled(analytics.url, truth)
    assert reports["first_response_time none"]["rows"][0]["count"] == sum(
        len(v) for v in truth.first_response.values()
    )
    # The edge tickets landed on their local day and hour: both 01:30s of 1 November in the
    # Sunday 01:00 cell, the minutes before and after midnight on their own days.
    heat = {(r["weekday"], r["hour"]): r["count"] for r in reports["heatmap none"]["rows"]}
    assert heat[(6, 1)] == truth.heatmap[(6, 1)] >= 2
    per_day: Counter[str] = Counter()
    for row in reports["volume channel"]["rows"]:
        per_day[row["period"]] += row["count"]
    for day, edges in (("2026-10-31", 1), ("2026-11-01", 4), ("2026-11-02", 1)):
        assert per_day[day] >= edges, day
    assert reports["volume channel"]["from"] == FIRST.isoformat()
    async with httpx.AsyncClient(base_url=analytics.url, timeout=10) as client:
        answer = await client.get(
            "/reports/resolution_time",
            params={**RANGE, "queue": truth.queue, "group_by": "agent", "format": "csv"},
        )
        assert answer.status_code == 200
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        json_rows = reports["resolution_time agent"]["rows"]
        assert [r["group"] for r in rows] == [r["group"] for r in json_rows]
        assert [float(r["avg_s"]) for r in rows] == [r["avg_s"] for r in json_rows]
        # A filter that matches none of the tickets gives no rows, not an error.
        empty = await client.get(
            "/reports/first_response_time", params={**RANGE, "queue": "nobody-here"}
        )
        assert empty.json()["rows"] == []
        bad = await client.get("/reports/volume", params={"from": "2026-10-05", "to": "2026-10-01"})
        assert bad.status_code == 422
        assert "after" in bad.json()["detail"]


async def test_a_replay_into_a_fresh_database_gives_the_same_figures(
    analytics: ServiceProcess, truth: Truth, service_env: dict[str, str]
) -> None:
    first = await settled(analytics.url, truth)
    replay = start_analytics(service_env)
    try:
        again = await settled(replay.url, truth)
    finally:
        replay.stop()
    for name, body in first.items():
        assert again[name]["rows"] == body["rows"], name


@pytest.fixture(scope="module")
def gateway(
    stack: Stack, staff_tokens: dict[str, str], analytics: ServiceProcess
) -> Iterator[ServiceProcess]:
    """A gateway of its own, pointed at this module's analytics (the stack's is not)."""
    process = ServiceProcess(
        "gateway",
        free_port(),
        {
            **stack.env,
            "DVIKA_ANALYTICS_URL": analytics.url,
            "DVIKA_PROJECTION_GROUP": f"dvika-gateway-analytics-test-{uuid4().hex[:8]}",
        },
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


async def login(client: httpx.AsyncClient, role: str) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/login", json={"email": f"{role}@demo.dvika.care", "password": "dvika-demo"}
    )
    assert answer.status_code == 200, answer.text
    return bearer(answer.json()["access_token"])


async def test_the_gateway_serves_reports_to_managers_and_admins_only(
    gateway: ServiceProcess, analytics: ServiceProcess, truth: Truth
) -> None:
    await settled(analytics.url, truth)
    params = {**RANGE, "queue": truth.queue, "group_by": "agent"}
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        direct_answer = await client.get(
            f"{analytics.url}/reports/first_response_time", params=params
        )
        direct = direct_answer.json()
        for role in ("manager", "admin"):
            answer = await client.get(
                "/api/v1/reports/first_response_time",
                params=params,
                headers=await login(client, role),
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["rows"] == direct["rows"]
        for role in ("agent", "engineer"):
            refused = await client.get(
                "/api/v1/reports/first_response_time", headers=await login(client, role)
            )
            assert refused.status_code == 403
        assert (await client.get("/api/v1/reports/volume")).status_code == 401
        manager = await login(client, "manager")
        as_csv = await client.get(
            "/api/v1/reports/volume",
            params={**RANGE, "queue": truth.queue},
            headers={**manager, "Accept": "text/csv"},
        )
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert as_csv.text.startswith("period,group,count")
        bad = await client.get(
            "/api/v1/reports/volume", params={"group_by": "colour"}, headers=manager
        )
        assert bad.status_code == 422
        assert "groups by" in bad.json()["detail"]
        # Last: with the analytics service gone, the gateway says so.
        analytics.stop()
        down = await client.get("/api/v1/reports/volume", headers=manager)
        assert down.status_code == 503
        assert "analytics service cannot be reached" in down.json()["detail"]
