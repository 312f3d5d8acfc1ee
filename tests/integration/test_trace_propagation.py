"""Traces travel in Kafka headers: a command's trace continues in the events it causes, and
one submission is one trace across the gateway, the tickets service, the read model's
projection, routing, SLA and the WebSocket push."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4, uuid5

import httpx
import pytest
from aiokafka.partitioner import murmur2
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pymongo import AsyncMongoClient

from conftest import Stack
from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS, TICKET_EVENTS
from contracts.values import Actor
from gateway import main as gateway_main
from gateway.entrypoints.http_tickets import _IDEMPOTENCY as IDEMPOTENCY_NAMESPACE
from gateway.settings import GatewaySettings
from notify import main as notify_main
from notify.settings import NotifySettings
from routing import main as routing_main
from routing.settings import RoutingSettings
from sla import main as sla_main
from sla.settings import SlaSettings
from support.kafka_tools import producer, read_events, start_group_at_end
from support.ports import free_port
from support.servers import Servers
from support.waiting import eventually
from tickets import main as tickets_main
from tickets.settings import TicketsSettings

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def test_event_headers_carry_the_commands_trace(stack: Stack, kafka_bootstrap: str) -> None:
    ticket_id, command_id = uuid4(), uuid4()
    envelope = CommandEnvelope(
        command_id=command_id,
        type="ticket.submit",
        ticket_id=ticket_id,
        issued_at=datetime.now(UTC),
        actor=Actor(kind="partner", id="trace-test"),
        correlation_id=command_id,
        payload={
            "customer": {"name": "Trace", "email": "trace@example.com"},
            "subject": "Where does this go?",
            "message": "Follow me.",
        },
    )
    kafka = await producer(kafka_bootstrap)
    try:
        await kafka.send_and_wait(
            TICKET_COMMANDS.name,
            envelope.model_dump_json().encode(),
            key=str(ticket_id).encode(),
            headers=[("traceparent", f"00-{TRACE_ID}-00f067aa0ba902b7-01".encode())],
        )
    finally:
        await kafka.stop()

    async def our_event_headers() -> dict[str, bytes] | None:
        for record, event in await read_events(kafka_bootstrap):
            if event.command_id == command_id:
                return dict(record.headers)
        return None

    headers = await eventually(our_event_headers, timeout_s=30, what="the ticket's event")
    traceparent = headers["traceparent"].decode()
    assert traceparent.split("-")[1] == TRACE_ID
    assert traceparent.split("-")[2] != "00f067aa0ba902b7", "the event needs its own span"


# --- One submission, one trace, across the services run in this process -----------------
#
# An in-memory exporter sees only its own process, so the services run here, wired exactly as
# their `main.py` builds them, against the test run's real Kafka and MongoDB: the context can
# only travel between them in Kafka record headers, as between processes. The tickets service
# joins the real consumer group (a second writer outside it would double every event), so it
# may share the command partitions with the suite's tickets process; the submission's
# Idempotency-Key is chosen so its ticket falls on a partition this process's instance owns.


@dataclass
class InProcess:
    gateway: httpx.AsyncClient
    owned_partitions: Callable[[], Awaitable[list[int]]]
    spans: InMemorySpanExporter


def _memory_exporter() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://in-process")


async def _ready(app: FastAPI, what: str) -> None:
    async def answers() -> bool:
        async with _client(app) as client:
            return (await client.get("/readyz")).status_code == 200

    await eventually(answers, timeout_s=90, what=f"{what} to be ready")


@pytest.fixture
async def in_process(
    kafka_bootstrap: str,
    servers: Servers,
    tmp_path: Path,
) -> AsyncIterator[InProcess]:
    spans = _memory_exporter()
    run = uuid4().hex[:8]
    database = f"dvika_trace_{run}"
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "mongodb_url": servers.mongodb_url,
        "mongodb_database": database,
        "instance_id": f"trace-{run}",
    }
    # The read model and notify start in fresh groups at the log's end: the shared log's
    # history (thousands of events late in a full run) is not theirs to fold first.
    projection_group = f"dvika-trace-projection-{run}"
    notify_group = f"dvika-trace-notify-{run}"
    for group in (projection_group, notify_group):
        await start_group_at_end(
            kafka_bootstrap, group, TICKET_EVENTS.name, TICKET_EVENTS.partitions
        )
    tickets_app = tickets_main.create_app(TicketsSettings(**common))
    gateway_app = gateway_main.create_app(
        GatewaySettings(
            **common,
            # Its own read model: a group of its own reads the log into its own database.
            projection_group=projection_group,
            listing_index_dir=tmp_path,
            public_requests_per_minute=0,
        )
    )
    # Only tickets submitted from now on are acted on: the shared log's others are left be.
    routing_app = routing_main.create_app(RoutingSettings(**common, backfill=False))
    sla_app = sla_main.create_app(SlaSettings(**common, backfill=False))
    notify_app = notify_main.create_app(
        NotifySettings(
            **common,
            events_group=notify_group,
            # A fresh group reads the whole shared log: only the last minutes notify anyone,
            # and no mail leaves (nothing listens on that port; the one retry is far off).
            max_event_age_s=120,
            smtp_port=free_port(),
            retry_base_s=600,
            digest_enabled=False,
            roster_wait_s=5,
        )
    )
    try:
        async with AsyncExitStack() as stack:
            apps = {
                "tickets": tickets_app,
                "gateway": gateway_app,
                "routing": routing_app,
                "sla": sla_app,
                "notify": notify_app,
            }
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            for name, app in apps.items():
                await _ready(app, name)

            async def owned_partitions() -> list[int]:
                async with _client(tickets_app) as client:
                    owned: list[int] = (await client.get("/partitions")).json()["owned"]
                    return owned

            await eventually(
                owned_partitions, timeout_s=90, what="command partitions for this process"
            )
            gateway = await stack.enter_async_context(_client(gateway_app))
            yield InProcess(gateway, owned_partitions, spans)
    finally:
        spans.shutdown()
        cleaner: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb_url)
        try:
            await cleaner.drop_database(database)
        finally:
            await cleaner.close()


def _partition_of(ticket_id: UUID) -> int:
    # aiokafka's default partitioner, as the gateway's producer uses it.
    hashed: int = murmur2(str(ticket_id).encode())
    return (hashed & 0x7FFFFFFF) % TICKET_COMMANDS.partitions


def _key_for_partitions(owned: list[int]) -> tuple[str, UUID]:
    while True:
        key = f"trace-{uuid4()}"
        ticket_id = uuid5(IDEMPOTENCY_NAMESPACE, f"ticket:{key}")
        if _partition_of(ticket_id) in owned:
            return key, ticket_id


async def _submit_to_this_process(in_process: InProcess) -> ReadableSpan:
    """Submit a ticket this process's tickets instance handles; the request's SERVER span.

    The reply comes after the command's transaction, so the tickets span (ended before it)
    is there by then if this process handled it; a rebalance between choosing the key and
    sending may have moved the partition: then try again on the partitions owned now.
    """
    finished = in_process.spans.get_finished_spans
    for _ in range(5):
        key, ticket_id = _key_for_partitions(await in_process.owned_partitions())
        before = {s.context.span_id for s in finished()}
        submitted = await in_process.gateway.post(
            "/api/v1/tickets",
            headers={"Idempotency-Key": key},
            json={
                "customer": {"name": "Trace Ada", "email": "trace-ada@example.com"},
                "category": "billing",
                "priority": "P2",
                "subject": "Refund for a double charge",
                "message": "I was charged twice; please refund one.",
            },
        )
        assert submitted.status_code == 201, submitted.text
        assert submitted.json()["id"] == str(ticket_id)
        [request] = [
            s
            for s in finished()
            if s.kind is SpanKind.SERVER
            and s.name == "POST /api/v1/tickets"
            and s.context.span_id not in before
        ]
        trace_id = request.context.trace_id
        if any(s.context.trace_id == trace_id and _hop(s) == "tickets" for s in finished()):
            return request
    raise AssertionError("no submission landed on this process's command partitions")


def _hop(span: ReadableSpan) -> str:
    """Which service and step a span stands for."""
    attributes = span.attributes or {}
    if span.name == "tickets.handle_command":
        return "tickets"
    if span.kind is SpanKind.SERVER:
        return f"gateway http {span.name}"
    return f"{attributes.get('dvika.service')} {attributes.get('dvika.handler')}"


async def test_a_submission_is_one_trace_across_every_service_and_back_to_the_push(
    in_process: InProcess,
) -> None:
    request = await _submit_to_this_process(in_process)
    trace_id = request.context.trace_id
    expected = {
        "gateway http POST /api/v1/tickets",
        "tickets",
        "gateway CommandBus._on_reply",
        "gateway tickets_read_model",
        "gateway LiveFeed.on_event",
        "routing ProcessManager._on_event",
        "sla SlaTimers.on_record",
        "notify events",
    }

    def ours() -> list[ReadableSpan]:
        return [s for s in in_process.spans.get_finished_spans() if s.context.trace_id == trace_id]

    def hops() -> set[str]:
        """Each span's hop, and for the tickets service's also what sent it the command."""
        spans = ours()
        by_id = {s.context.span_id: s for s in spans}
        found = {_hop(s) for s in spans}
        for span in spans:
            parent = by_id.get(span.parent.span_id) if span.parent else None
            if _hop(span) == "tickets" and parent is not None:
                found.add(f"tickets after {_hop(parent)}")
        return found

    async def every_hop() -> set[str] | None:
        found = hops()
        return found if expected <= found else None

    # Routing's decision comes back as a command in the same trace, handled by the tickets
    # service under routing's span.
    expected.add("tickets after routing ProcessManager._on_event")
    # Generous: the read model and notify start on fresh groups, so they read the whole shared
    # log first (late in a full run that is thousands of events) before reaching this one.
    with contextlib.suppress(AssertionError):
        await eventually(every_hop, timeout_s=240, what="a span from every hop", interval_s=0.5)
    seen = sorted(hops())
    assert expected <= set(seen), f"missing {sorted(expected - set(seen))}; seen {seen}"

    # One tree: every span's parent is a span of this trace, back to the request (a span
    # ends after its children may have: a sender's span waits for Kafka's acknowledgement).
    async def orphans() -> list[str] | None:
        spans = ours()
        ids = {s.context.span_id for s in spans}
        lost = [
            _hop(s)
            for s in spans
            if s is not request and (s.parent is None or s.parent.span_id not in ids)
        ]
        return lost or None

    async def one_tree() -> bool:
        return await orphans() is None

    try:
        await eventually(one_tree, timeout_s=30, what="every span's parent in the trace")
    finally:
        lost = await orphans()
    assert lost is None, lost
    spans = ours()
    by_id = {s.context.span_id: s for s in spans}
    # The projection applied what the tickets service wrote: its parent is the command's span.
    projection = next(s for s in spans if _hop(s) == "gateway tickets_read_model")
    assert projection.parent is not None
    assert by_id[projection.parent.span_id].name == "tickets.handle_command"
