"""The SLA timers against real Kafka and the real tickets service, stepped by a fake clock.

The SLA process manager runs in this test's process (so the clock can be stepped) with
backfill off: tickets other tests made earlier are left alone. What it caused is read from
the ticket event log. Midway, the manager is stopped abruptly (its tasks cancelled) and a
fresh one replays the log: no warning is repeated and the breach still comes, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from conftest import Stack
from contracts.envelopes import EventEnvelope
from contracts.topics import TICKET_EVENTS
from kit.command_sender import CommandSender
from kit.topic_tail import TopicTail
from sla.adapters.policy_file import load_policies
from sla.entrypoints.clock import ManualClock
from sla.entrypoints.timers import SlaTimers
from sla.settings import DEFAULT_POLICIES_FILE
from support.kafka_tools import read_events
from support.tickets import submit_ticket
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

MINUTE = timedelta(minutes=1)


@dataclass
class SlaProcess:
    """One in-process SLA manager: its tail of the event log, timer loop and producer."""

    timers: SlaTimers
    tail: TopicTail
    sender: CommandSender
    loop: asyncio.Task[None]
    crashed: bool = False

    async def crash(self) -> None:
        """Stop abruptly: the tasks are cancelled mid-whatever, nothing is flushed first."""
        if self.crashed:
            return
        self.crashed = True
        tasks = [self.loop, *([self.tail.task] if self.tail.task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.tail.stop()
        await self.sender.stop()


async def start_sla(bootstrap: str, clock: ManualClock, since: datetime) -> SlaProcess:
    sender = CommandSender(bootstrap, "sla-test")
    await sender.start()
    timers = SlaTimers(
        load_policies(DEFAULT_POLICIES_FILE), clock, sender, act_on_submitted_since=since
    )
    tail = TopicTail(bootstrap, TICKET_EVENTS, timers.on_record, "sla-test", from_beginning=True)
    await tail.start()
    loop = asyncio.create_task(timers.run(lambda: tail.caught_up), name="sla-test-timers")
    process = SlaProcess(timers, tail, sender, loop)

    async def caught_up() -> bool:
        return timers.acting

    await eventually(caught_up, timeout_s=60, what="the SLA manager to catch up with the log")
    return process


async def ticket_events(bootstrap: str, ticket_id: UUID) -> list[EventEnvelope]:
    return [event for _, event in await read_events(bootstrap) if event.ticket_id == ticket_id]


def of_type(events: list[EventEnvelope], type_: str) -> list[EventEnvelope]:
    return [event for event in events if event.type == type_]


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        yield client


async def test_a_restart_mid_countdown_misses_no_breach_and_repeats_no_warning(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    started = datetime.now(UTC)
    clock = ManualClock(started)
    first = await start_sla(kafka_bootstrap, clock, since=started)
    second: SlaProcess | None = None
    try:
        created = await submit_ticket(gateway, "SLA restart test: printer on fire", priority="P1")
        ticket_id = UUID(created["id"])

        async def clocks_set() -> list[EventEnvelope]:
            return of_type(await ticket_events(kafka_bootstrap, ticket_id), "ticket.sla_clocks_set")

        [clocks] = await eventually(clocks_set, timeout_s=30, what="ticket.sla_clocks_set")
        first_response = clocks.payload["clocks"][0]
        assert first_response["target"] == "first_response"
        assert first_response["policy"] == "P1"
        due = datetime.fromisoformat(first_response["due_at"])
        submitted = (await ticket_events(kafka_bootstrap, ticket_id))[0].occurred_at
        assert due == submitted + 60 * MINUTE

        # 31 minutes later by the fake clock: the warning, once.
        clock.set(submitted + 31 * MINUTE)

        async def warned() -> list[EventEnvelope]:
            events = await ticket_events(kafka_bootstrap, ticket_id)
            return of_type(events, "ticket.sla_warning_issued")

        [warning] = await eventually(warned, timeout_s=30, what="ticket.sla_warning_issued")
        assert warning.payload["target"] == "first_response"
        assert datetime.fromisoformat(warning.payload["due_at"]) == due
        assert (warning.actor.kind, warning.actor.id) == ("system", "sla")

        # The manager dies mid-countdown; a fresh one replays the log and carries on.
        await first.crash()
        clock.advance(10 * MINUTE)
        second = await start_sla(kafka_bootstrap, clock, since=started)
        assert ticket_id in second.timers.timelines
        assert second.timers.next_wake_at() == due
        clock.set(due + MINUTE)

        async def escalated() -> list[EventEnvelope]:
            events = await ticket_events(kafka_bootstrap, ticket_id)
            return of_type(events, "ticket.escalated")

        [escalation] = await eventually(escalated, timeout_s=30, what="ticket.escalated")
        assert "first response SLA breached" in escalation.payload["reason"]

        # Let the new manager see everything it caused, then count once more.
        final = await ticket_events(kafka_bootstrap, ticket_id)
        timers = second.timers

        async def seen_all() -> bool:
            timeline = timers.timelines.get(ticket_id)
            return timeline is not None and timeline.version >= final[-1].version

        await eventually(seen_all, timeout_s=30, what="the manager to read its own effects")
        events = await ticket_events(kafka_bootstrap, ticket_id)
        assert len(of_type(events, "ticket.sla_warning_issued")) == 1
        breaches = of_type(events, "ticket.sla_breached")
        assert [b.payload["target"] for b in breaches] == ["first_response"]
        assert len(of_type(events, "ticket.escalated")) == 1
        # The replayed manager found the recorded clocks current: it set none of its own.
        assert len(of_type(events, "ticket.sla_clocks_set")) == 1
        assert [e.version for e in events] == list(range(1, len(events) + 1))
    finally:
        await first.crash()
        if second is not None:
            await second.crash()
