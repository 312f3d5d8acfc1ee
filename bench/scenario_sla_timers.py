"""sla timers: N running SLA timers, each warning and breach timed against its due time.

The sla service runs for this scenario only, with a bench policies file whose targets are
the shortest the file allows (whole minutes, calendar time) and with `DVIKA_SLA_BACKFILL`
off, so the tickets of other scenarios get no timers. N submissions go straight onto the
command topic at a fixed rate, so their timers fall due spread over that window. Each
ticket then owes four facts on its log: a warning and a breach for first response and for
resolution. Lateness is the moment the bench's read-committed consumer receives the event
minus its due time (the breach's `due_at`; a warning's is `due_at` minus the lead), so it
counts the timer loop, the command topic, the tickets service's transaction and the read.

Why a minute at least: the policies file counts in whole minutes (`first_response_minutes`
>= 1, `warning_lead_minutes` an integer), and a clock starts when the ticket is submitted,
so nothing falls due sooner than 60 s after it. The quick run uses a zero lead (warning and
breach due together, 60 s after submission); the full run a one-minute lead with targets of
two and three minutes, so the four facts fall due in three waves a minute apart.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from hdrh.histogram import HdrHistogram

from bench.clients import ticket_body
from bench.report import Result
from bench.stack import STATE, Stack, on_demand_service
from contracts.commands import SubmitTicket
from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS, TICKET_EVENTS
from contracts.values import Actor

SLA_PORT = 28084
TARGET_P99_S = 1.0
WARNING = "ticket.sla_warning_issued"
BREACH = "ticket.sla_breached"
# How long after the last due time the scenario waits for stragglers before counting.
GRACE_S = 120.0


@dataclass(frozen=True)
class Timing:
    """The bench policy: every priority the same, calendar time, whole minutes."""

    warning_lead_minutes: int
    first_response_minutes: int
    resolution_minutes: int

    def policies_yaml(self) -> str:
        policy = (
            f"{{first_response_minutes: {self.first_response_minutes}, "
            f"resolution_minutes: {self.resolution_minutes}, business_hours: false}}"
        )
        lines = [
            "# Written by bench/scenario_sla_timers.py: the shortest targets the file allows.",
            f"warning_lead_minutes: {self.warning_lead_minutes}",
            "policies:",
            *(f"  {priority}: {policy}" for priority in ("P1", "P2", "P3", "P4")),
        ]
        return "\n".join(lines) + "\n"

    @property
    def last_due_s(self) -> float:
        """Seconds from a submission to its last fact's due time."""
        return 60.0 * max(self.first_response_minutes, self.resolution_minutes)


QUICK_TIMING = Timing(warning_lead_minutes=0, first_response_minutes=1, resolution_minutes=1)
FULL_TIMING = Timing(warning_lead_minutes=1, first_response_minutes=2, resolution_minutes=3)


class LogWatch:
    """Reads the ticket event log from its current end (read committed, every partition, no
    group) and hands each new record's decoded JSON and its arrival time to `on_event`."""

    def __init__(
        self, bootstrap: str, on_event: Callable[[dict[str, Any], datetime], None]
    ) -> None:
        self._bootstrap = bootstrap
        self._on_event = on_event
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LogWatch:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            isolation_level="read_committed",
            enable_auto_commit=False,
        )
        await consumer.start()
        topic = TICKET_EVENTS
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the end now, before the workload starts
            await consumer.position(partition)
        self._consumer = consumer
        self._task = asyncio.create_task(self._follow(consumer))
        return self

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            fetched = await consumer.getmany(timeout_ms=200, max_records=5000)
            arrived = datetime.now(UTC)
            for batch in fetched.values():
                for record in batch:
                    self._on_event(json.loads(record.value or b"{}"), arrived)

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()


def submit_envelope(body: dict[str, Any], ticket_id: UUID) -> bytes:
    """A `ticket.submit` command as the gateway would send it, but nobody waits for a reply."""
    command = SubmitTicket(**body)
    command_id = uuid4()
    return (
        CommandEnvelope(
            command_id=command_id,
            type=command.TYPE,
            schema_version=command.SCHEMA_VERSION,
            ticket_id=ticket_id,
            issued_at=datetime.now(UTC),
            actor=Actor(kind="customer"),
            correlation_id=command_id,
            payload=command.model_dump(mode="json"),
        )
        .model_dump_json()
        .encode()
    )


async def send_paced(
    bootstrap: str, topic: str, records: list[tuple[bytes, bytes]], seconds: float
) -> float:
    """Produce (key, value) records evenly over `seconds`; returns the seconds it took."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for index, (key, value) in enumerate(records):
            due = started + seconds * index / max(len(records), 1)
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            pending.append(await producer.send(topic, value, key=key))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


@dataclass
class Facts:
    """What the log said about the bench's tickets: each warning and breach, with lateness."""

    timing: Timing
    tickets: set[str]
    lateness_s: list[float]
    occurred_lateness_s: list[float]
    seen: dict[tuple[str, str, str], int]

    def on_event(self, event: dict[str, Any], arrived: datetime) -> None:
        kind = event.get("type")
        ticket = str(event.get("ticket_id"))
        if kind not in (WARNING, BREACH) or ticket not in self.tickets:
            return
        payload = event["payload"]
        fact = (ticket, str(kind), str(payload["target"]))
        self.seen[fact] = self.seen.get(fact, 0) + 1
        if self.seen[fact] > 1:
            return  # a duplicate: counted, not timed twice
        due = datetime.fromisoformat(payload["due_at"])
        if kind == WARNING:
            due -= timedelta(minutes=self.timing.warning_lead_minutes)
        self.lateness_s.append((arrived - due).total_seconds())
        occurred = datetime.fromisoformat(event["occurred_at"])
        self.occurred_lateness_s.append((occurred - due).total_seconds())

    @property
    def expected(self) -> int:
        return 4 * len(self.tickets)  # warning and breach, for both targets

    @property
    def emitted(self) -> int:
        return len(self.seen)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.seen.values())


def percentile_s(values: list[float], percentile: float) -> float:
    """A percentile of lateness in seconds (HDR histogram in microseconds; early counts 0)."""
    histogram = HdrHistogram(1, 3_600_000_000, 3)
    for value in values:
        histogram.record_value(max(1, int(value * 1_000_000)))
    return histogram.get_value_at_percentile(percentile) / 1_000_000 if values else 0.0


async def sla_timers(stack: Stack, tickets: int, window_s: float, timing: Timing) -> list[Result]:
    policies = STATE / "sla-bench-policies.yaml"
    policies.parent.mkdir(parents=True, exist_ok=True)
    policies.write_text(timing.policies_yaml())
    extra = {"DVIKA_SLA_POLICIES_FILE": str(policies), "DVIKA_SLA_BACKFILL": "false"}
    ids = [uuid4() for _ in range(tickets)]
    facts = Facts(timing, {str(i) for i in ids}, [], [], {})
    bodies = [{**ticket_body(n), "priority": "P2"} for n in range(tickets)]
    records = [
        (str(i).encode(), submit_envelope(body, i)) for i, body in zip(ids, bodies, strict=True)
    ]
    with on_demand_service(stack, "sla", SLA_PORT, extra):
        async with LogWatch(stack.kafka, facts.on_event):
            sent_s = await send_paced(stack.kafka, TICKET_COMMANDS.name, records, window_s)
            deadline = time.monotonic() + timing.last_due_s + GRACE_S
            # The log is read by another task: poll what it counted, with a deadline.
            while facts.emitted < facts.expected and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            await asyncio.sleep(1)  # a moment more, for duplicates to show
    p50 = percentile_s(facts.lateness_s, 50)
    p99 = percentile_s(facts.lateness_s, 99)
    worst = max(facts.lateness_s, default=0.0)
    missing = facts.expected - facts.emitted
    met = p99 <= TARGET_P99_S and missing == 0 and facts.duplicates == 0
    shape = (
        f"{tickets} tickets ({2 * tickets} running clocks) submitted over {sent_s:.1f} s; "
        f"lead {timing.warning_lead_minutes} "
        f"min, first response {timing.first_response_minutes} min, resolution "
        f"{timing.resolution_minutes} min (calendar time)"
    )
    return [
        Result(
            scenario="sla timers",
            metric=f"lateness of warnings and breaches on the log, p99, {tickets} tickets",
            value=round(p99, 3),
            unit="s",
            target=f"<= {TARGET_P99_S:g}",
            met=met,
            detail=f"p50 {p50:.3f} s, max {worst:.3f} s; by the events' occurred_at: p99 "
            f"{percentile_s(facts.occurred_lateness_s, 99):.3f} s; {facts.emitted} of "
            f"{facts.expected} emitted, {facts.duplicates} duplicates; {shape}",
        ),
        Result(
            scenario="sla timers",
            metric="warnings and breaches missing",
            value=missing,
            unit="facts",
            target="<= 0",
            met=missing == 0,
            detail=f"{facts.emitted} of {facts.expected} within {GRACE_S:g} s of the last "
            f"due time; {facts.duplicates} duplicates",
        ),
    ]
