"""A stream of ticket commands for fault tests, and the exactly-once check over the log."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from uuid import UUID, uuid4

from contracts.envelopes import CommandEnvelope, EventEnvelope
from contracts.values import Actor
from support.kafka_tools import read_events
from support.waiting import eventually


def ticket_commands(tickets: int, messages_per_ticket: int) -> list[CommandEnvelope]:
    """Per ticket its submission then its messages, interleaved across tickets."""
    ticket_ids = [uuid4() for _ in range(tickets)]
    commands = []
    for step in range(messages_per_ticket + 1):
        for ticket_id in ticket_ids:
            if step == 0:
                type_, payload = (
                    "ticket.submit",
                    {
                        "customer": {"name": "Fault Tester", "email": "fault@example.com"},
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
            commands.append(
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
    return commands


async def assert_each_command_once(
    bootstrap: str, commands: list[CommandEnvelope], timeout_s: float = 180
) -> None:
    """Every command has exactly one event and every ticket's versions run 1..n."""
    sent = {c.command_id for c in commands}
    per_ticket: dict[UUID, list[EventEnvelope]] = defaultdict(list)

    async def all_arrived() -> int | None:
        per_ticket.clear()
        for _, event in await read_events(bootstrap):
            if event.command_id in sent:
                per_ticket[event.ticket_id].append(event)
        count = sum(len(events) for events in per_ticket.values())
        return count if count >= len(sent) else None

    await eventually(all_arrived, timeout_s=timeout_s, what="an event for every command")
    seen = [e.command_id for events in per_ticket.values() for e in events]
    assert len(seen) == len(set(seen)), "a command produced a second event"
    assert set(seen) == sent, "a command was lost"
    expected_tickets = {c.ticket_id for c in commands}
    assert set(per_ticket) == expected_tickets
    for ticket_id, events in per_ticket.items():
        assert [e.version for e in events] == list(range(1, len(events) + 1)), ticket_id
        assert events[0].type == "ticket.submitted"
