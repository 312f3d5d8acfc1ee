"""A command's trace continues in the events it causes, through Kafka headers."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from conftest import Stack
from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS
from contracts.values import Actor
from support.kafka_tools import producer, read_events
from support.waiting import eventually

pytestmark = pytest.mark.kafka

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
