"""Invariant 5: bad input gets a reason — a dead letter or a 4xx — and processing goes on."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from conftest import Stack, bearer
from contracts.envelopes import CommandEnvelope, DeadLetter
from contracts.topics import DEAD_LETTERS, TICKET_COMMANDS, TICKET_EVENTS
from contracts.values import Actor
from support.kafka_tools import end_offsets, producer, read_topic, send_command
from support.waiting import eventually

pytestmark = pytest.mark.kafka


async def _dead_letters(bootstrap: str) -> list[DeadLetter]:
    records = await read_topic(bootstrap, DEAD_LETTERS.name, DEAD_LETTERS.partitions)
    return [DeadLetter.model_validate_json(r.value) for r in records]


async def test_malformed_and_schema_invalid_commands_are_dead_lettered(
    stack: Stack, kafka_bootstrap: str
) -> None:
    ticket_id, command_id = uuid4(), uuid4()
    invalid = CommandEnvelope(
        command_id=command_id,
        type="ticket.submit",
        ticket_id=ticket_id,
        issued_at=datetime.now(UTC),
        actor=Actor(kind="partner", id="acme"),
        correlation_id=command_id,
        payload={"customer": {"name": "No Email"}, "subject": "x", "message": "y"},
    )
    kafka = await producer(kafka_bootstrap)
    try:
        await kafka.send_and_wait(TICKET_COMMANDS.name, b"{definitely not json", key=b"garbage")
        await send_command(kafka, TICKET_COMMANDS.name, invalid)
    finally:
        await kafka.stop()

    async def both_dead_lettered() -> list[DeadLetter] | None:
        letters = [
            d for d in await _dead_letters(kafka_bootstrap) if d.key in ("garbage", str(ticket_id))
        ]
        return letters if len(letters) == 2 else None

    letters = sorted(
        await eventually(both_dead_lettered, timeout_s=30, what="2 dead letters"),
        key=lambda d: d.key != "garbage",
    )
    assert letters[0].raw == "{definitely not json"
    assert "invalid command envelope" in letters[0].reason
    assert "customer.email" in letters[1].reason
    assert all(d.source_topic == TICKET_COMMANDS.name and d.service == "tickets" for d in letters)

    # Processing goes on: a good ticket after the bad records is accepted.
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        response = await client.post(
            "/api/v1/tickets",
            json={
                "customer": {"name": "After Garbage", "email": "after@example.com"},
                "subject": "Still working?",
                "message": "Yes.",
            },
        )
    assert response.status_code == 201, response.text


async def test_a_foreign_record_in_the_event_log_is_dead_lettered_by_the_projection(
    stack: Stack, kafka_bootstrap: str
) -> None:
    kafka = await producer(kafka_bootstrap)
    try:
        await kafka.send_and_wait(
            TICKET_EVENTS.name, b"<xml>not an event</xml>", key=b"stray", partition=0
        )
    finally:
        await kafka.stop()

    async def dead_lettered() -> DeadLetter | None:
        for letter in await _dead_letters(kafka_bootstrap):
            if letter.source_topic == TICKET_EVENTS.name and letter.key == "stray":
                return letter
        return None

    letter = await eventually(dead_lettered, timeout_s=30, what="the stray record's dead letter")
    assert letter.service == "gateway"
    assert letter.raw == "<xml>not an event</xml>"
    assert "invalid event envelope" in letter.reason
    # The projection goes on past it: a new ticket is readable.
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        created = await client.post(
            "/api/v1/tickets",
            json={
                "customer": {"name": "After Stray", "email": "stray@example.com"},
                "subject": "Projection alive?",
                "message": "Hope so.",
            },
        )
        assert created.status_code == 201
        body = created.json()
        read = await client.get(
            f"/api/v1/tickets/{body['id']}?min_version=1&token={body['tracking_token']}"
        )
    assert read.json()["subject"] == "Projection alive?"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"customer": {"name": "A", "email": "not-an-email"}, "subject": "s", "message": "m"},
            "email",
        ),
        ({"customer": {"name": "A", "email": "a@example.com"}, "subject": "s"}, "message"),
        (
            {
                "customer": {"name": "A", "email": "a@example.com"},
                "subject": "s",
                "message": "m",
                "priority": "P9",
            },
            "priority",
        ),
        (
            {"customer": {"name": "A", "email": "a@example.com"}, "subject": "   ", "message": "m"},
            "subject",
        ),
    ],
)
async def test_invalid_http_body_answers_422_and_writes_nothing(
    stack: Stack, kafka_bootstrap: str, body: dict[str, object], field: str
) -> None:
    before = await end_offsets(kafka_bootstrap, TICKET_COMMANDS.name, TICKET_COMMANDS.partitions)
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        response = await client.post("/api/v1/tickets", json=body)
    assert response.status_code == 422
    assert any(field in ".".join(map(str, e["loc"])) for e in response.json()["detail"])
    after = await end_offsets(kafka_bootstrap, TICKET_COMMANDS.name, TICKET_COMMANDS.partitions)
    assert after == before


async def test_malformed_json_answers_422(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        response = await client.post(
            "/api/v1/tickets", content=b"{oops", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_reply_to_unknown_ticket_answers_404(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        response = await client.post(
            f"/api/v1/tickets/{uuid4()}/reply",
            json={"from": "agent", "message": "hello?"},
            headers=bearer(staff_tokens["agent"]),
        )
    assert response.status_code == 404
    assert response.json()["detail"] == "no such ticket"
