"""Invariant 2: killing the tickets service mid-stream loses and duplicates nothing."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from conftest import Stack
from contracts.envelopes import CommandEnvelope, EventEnvelope
from contracts.topics import TICKET_COMMANDS, TICKET_EVENTS
from contracts.values import Actor
from support.kafka_tools import producer, read_topic, send_command
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

TICKETS = 400
MESSAGES_PER_TICKET = 4  # 400 submits + 1,600 messages = 2,000 commands


def _commands() -> list[CommandEnvelope]:
    """Per ticket: its submission, then its messages, interleaved across tickets."""
    tickets = [uuid4() for _ in range(TICKETS)]
    rounds: list[list[CommandEnvelope]] = []
    for step in range(MESSAGES_PER_TICKET + 1):
        round_ = []
        for ticket_id in tickets:
            if step == 0:
                type_, payload = (
                    "ticket.submit",
                    {
                        "customer": {"name": "Crash Tester", "email": "crash@example.com"},
                        "subject": f"Ticket {ticket_id}",
                        "message": "first",
                    },
                )
            else:
                type_, payload = (
                    "ticket.post_message",
                    {"author": "customer", "message": f"#{step}"},
                )
            command_id = uuid4()
            round_.append(
                CommandEnvelope(
                    command_id=command_id,
                    type=type_,
                    ticket_id=ticket_id,
                    issued_at=datetime.now(UTC),
                    actor=Actor(kind="customer"),
                    correlation_id=command_id,
                    payload=payload,
                )
            )
        rounds.append(round_)
    return [c for round_ in rounds for c in round_]


async def test_sigkill_twice_mid_stream_keeps_every_command_exactly_once(
    stack: Stack, kafka_bootstrap: str
) -> None:
    commands = _commands()
    sent_ids = {c.command_id for c in commands}
    kill_points = {len(commands) // 3, 2 * len(commands) // 3}
    kafka = await producer(kafka_bootstrap)
    try:
        for index, envelope in enumerate(commands):
            if index in kill_points:
                stack.tickets.kill()
                # Retries of already-sent commands arrive while the service is down.
                for retry in commands[index - 50 : index]:
                    await send_command(kafka, TICKET_COMMANDS.name, retry)
                await asyncio.to_thread(stack.tickets.start)
            await send_command(kafka, TICKET_COMMANDS.name, envelope)
    finally:
        await kafka.stop()

    ours: dict[UUID, list[EventEnvelope]] = defaultdict(list)

    async def all_events_arrived() -> int | None:
        ours.clear()
        for record in await read_topic(
            kafka_bootstrap, TICKET_EVENTS.name, TICKET_EVENTS.partitions
        ):
            event = EventEnvelope.model_validate_json(record.value)
            if event.command_id in sent_ids:
                ours[event.ticket_id].append(event)
        count = sum(len(v) for v in ours.values())
        return count if count >= len(commands) else None

    await eventually(all_events_arrived, timeout_s=180, what="an event for every command")

    seen = [e.command_id for events in ours.values() for e in events]
    assert len(seen) == len(set(seen)), "a command produced a second event"
    assert set(seen) == sent_ids, "a command was lost"
    assert len(ours) == TICKETS
    for ticket_id, events in ours.items():
        assert [e.version for e in events] == list(range(1, MESSAGES_PER_TICKET + 2)), ticket_id
        assert events[0].type == "ticket.submitted"
