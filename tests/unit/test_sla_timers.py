"""The SLA process manager over a fake clock: timers fire once, survive a restart, retry."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID

from aiokafka import ConsumerRecord
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from contracts.commands import RecordSlaWarning
from contracts.envelopes import CommandEnvelope
from contracts.events import SlaBreached, SlaClocksSet, SlaWarningIssued, TicketEscalated
from contracts.registry import decode_command, decode_event
from contracts.values import Priority
from sla.entrypoints.clock import ManualClock
from sla.entrypoints.http_debug import router
from sla.entrypoints.timers import SlaTimers
from support.waiting import eventually
from unit.test_sla_clocks import DEFAULTS, FakeTickets

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
MINUTE = timedelta(minutes=1)


class Tickets:
    """The tickets service and its event log, as the SLA service sees them over Kafka."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.tickets: dict[UUID, FakeTickets] = {}
        self.sent: list[CommandEnvelope] = []
        # Held commands are handled only at `release` (a crash between send and handling).
        self.holding = False
        self.held: list[CommandEnvelope] = []
        self.failures = 0
        self.sends = 0

    async def send(self, envelopes: Sequence[CommandEnvelope]) -> None:
        self.sends += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("kafka away")
        self.sent.extend(envelopes)
        if self.holding:
            self.held.extend(envelopes)
            return
        for envelope in envelopes:
            self._handle(envelope)

    def _handle(self, envelope: CommandEnvelope) -> None:
        ticket = self.tickets[envelope.ticket_id]
        ticket.handle(self.clock.now(), envelope.command_id, decode_command(envelope))

    def release(self) -> None:
        self.holding = False
        for envelope in self.held:
            self._handle(envelope)
        self.held.clear()

    def submit(self, priority: Priority = "P1") -> FakeTickets:
        ticket = FakeTickets(self.clock.now(), priority)
        self.tickets[ticket.id] = ticket
        return ticket

    async def deliver(self, timers: SlaTimers, delivered: dict[UUID, int]) -> None:
        """Feed every event `timers` has not seen yet, until the log stops growing."""
        progress = True
        while progress:
            progress = False
            for ticket in list(self.tickets.values()):
                seen = delivered.get(ticket.id, 0)
                for envelope in ticket.log[seen:]:
                    delivered[ticket.id] = delivered.get(ticket.id, 0) + 1
                    await timers.on_event(envelope, decode_event(envelope))
                    progress = True
            await timers.flush()  # what the events asked for, sent in the background

    def sent_types(self) -> list[str]:
        return [envelope.type for envelope in self.sent]


class Service:
    """One SLA process: its timers and how far it has read the log."""

    def __init__(self, tickets: Tickets, since: datetime | None = None) -> None:
        self.tickets = tickets
        self.timers = SlaTimers(DEFAULTS, tickets.clock, tickets, act_on_submitted_since=since)
        self.delivered: dict[UUID, int] = {}

    async def start(self) -> None:
        """Replay the log, then sweep (what `run` does once caught up)."""
        await self.tickets.deliver(self.timers, self.delivered)
        await self.timers.sweep()
        await self.settle()

    async def settle(self) -> None:
        await self.tickets.deliver(self.timers, self.delivered)

    async def walk_to(self, end: datetime, step: timedelta = MINUTE) -> None:
        clock = self.tickets.clock
        while clock.now() < end:
            clock.advance(step)
            await self.timers.fire_due()
            await self.settle()


async def test_warning_and_breach_fire_exactly_once_and_nothing_is_sent_twice() -> None:
    tickets = Tickets(ManualClock(T0))
    service = Service(tickets)
    await service.start()
    ticket = tickets.submit("P1")
    await service.settle()
    assert tickets.sent_types() == ["ticket.set_sla_clocks"]
    assert service.timers.next_wake_at() == T0 + 30 * MINUTE
    await service.walk_to(T0 + timedelta(hours=5))
    assert ticket.times(SlaWarningIssued, "first_response") == [T0 + 30 * MINUTE]
    assert ticket.times(SlaBreached, "first_response") == [T0 + 60 * MINUTE]
    assert ticket.times(SlaBreached, "resolution") == [T0 + 240 * MINUTE]
    assert len(ticket.events(TicketEscalated)) == 1
    ids = [envelope.command_id for envelope in tickets.sent]
    assert len(ids) == len(set(ids)) == 5  # clocks, 2 warnings, 2 breaches
    envelope = tickets.sent[1]
    assert envelope.reply_to is None
    assert (envelope.actor.kind, envelope.actor.id) == ("system", "sla")
    assert envelope.ticket_id == ticket.id


async def test_timers_falling_due_together_go_out_in_one_batch() -> None:
    tickets = Tickets(ManualClock(T0))
    service = Service(tickets)
    await service.start()
    many = [tickets.submit("P1") for _ in range(200)]
    await service.settle()
    before = (tickets.sends, len(tickets.sent))
    tickets.clock.advance(30 * MINUTE)
    assert await service.timers.fire_due() == 200
    assert tickets.sends - before[0] == 1  # one round trip to Kafka, not one a ticket
    assert len(tickets.sent) - before[1] == 200
    assert all(len(t.events(SlaWarningIssued)) == 1 for t in many)


async def test_a_restart_mid_countdown_misses_nothing_and_repeats_nothing() -> None:
    tickets = Tickets(ManualClock(T0))
    first = Service(tickets)
    await first.start()
    ticket = tickets.submit("P1")
    await first.settle()
    await first.walk_to(T0 + 35 * MINUTE)
    assert len(ticket.events(SlaWarningIssued)) == 1
    # The first process dies; a fresh one replays the whole log and carries on.
    tickets.clock.advance(5 * MINUTE)
    second = Service(tickets)
    await second.start()
    before = len(tickets.sent)
    await second.walk_to(T0 + 65 * MINUTE)
    assert ticket.times(SlaWarningIssued, "first_response") == [T0 + 30 * MINUTE]
    assert ticket.times(SlaBreached, "first_response") == [T0 + 60 * MINUTE]
    assert [e.type for e in tickets.sent[before:]] == ["ticket.record_sla_breach"]


async def test_a_command_in_flight_at_the_crash_is_resent_with_the_same_id() -> None:
    tickets = Tickets(ManualClock(T0))
    first = Service(tickets)
    await first.start()
    ticket = tickets.submit("P1")
    await first.settle()
    tickets.holding = True  # the warning is sent but not yet handled when the process dies
    await first.walk_to(T0 + 31 * MINUTE)
    [warning] = [e for e in tickets.sent if e.type == RecordSlaWarning.TYPE]
    second = Service(tickets)
    await second.start()
    resent = [e for e in tickets.sent if e.type == RecordSlaWarning.TYPE]
    assert [e.command_id for e in resent] == [warning.command_id] * 2
    tickets.release()
    await second.settle()
    assert len(ticket.events(SlaWarningIssued)) == 1


async def test_without_backfill_tickets_older_than_the_process_are_left_alone() -> None:
    tickets = Tickets(ManualClock(T0))
    old = tickets.submit("P1")
    tickets.clock.advance(MINUTE)
    service = Service(tickets, since=tickets.clock.now())
    await service.start()
    new = tickets.submit("P1")
    await service.settle()
    await service.walk_to(T0 + 2 * 60 * MINUTE)
    assert old.events(SlaClocksSet) == []
    assert old.events(SlaBreached) == []
    assert len(new.events(SlaClocksSet)) == 1
    assert {e.ticket_id for e in tickets.sent} == {new.id}


async def test_a_failed_send_is_retried_later() -> None:
    tickets = Tickets(ManualClock(T0))
    service = Service(tickets)
    await service.start()
    tickets.failures = 1
    ticket = tickets.submit("P1")
    await service.settle()
    assert ticket.events(SlaClocksSet) == []
    assert service.timers.next_wake_at() == T0 + timedelta(seconds=5)
    await service.walk_to(T0 + 10 * MINUTE, step=timedelta(seconds=5))
    assert len(ticket.events(SlaClocksSet)) == 1


async def test_closed_tickets_are_forgotten() -> None:
    tickets = Tickets(ManualClock(T0))
    service = Service(tickets)
    await service.start()
    ticket = tickets.submit("P1")
    await service.settle()
    assert ticket.id in service.timers.timelines
    ticket.set_status(T0 + MINUTE, "closed")
    await service.settle()
    assert ticket.id not in service.timers.timelines
    assert service.timers.next_wake_at() is None
    await service.walk_to(T0 + 5 * 60 * MINUTE, step=10 * MINUTE)
    assert tickets.sent_types() == ["ticket.set_sla_clocks"]


async def test_unreadable_records_are_skipped() -> None:
    tickets = Tickets(ManualClock(T0))
    service = Service(tickets)
    record = SimpleNamespace(topic="t", partition=0, offset=7, key=None, value=b"{not json")
    await service.timers.on_record(cast(ConsumerRecord[bytes, bytes], record))
    assert service.timers.timelines == {}


async def test_the_loop_sleeps_until_the_next_wake_by_the_injected_clock() -> None:
    clock = ManualClock(T0)
    tickets = Tickets(clock)
    service = Service(tickets)
    caught_up = False
    loop = asyncio.create_task(service.timers.run(lambda: caught_up))
    try:
        ticket = tickets.submit("P1")
        await service.settle()
        assert tickets.sent == []  # not caught up yet: folding only
        caught_up = True

        async def clocks_set() -> Any:
            await service.settle()
            return ticket.events(SlaClocksSet)

        await eventually(clocks_set, timeout_s=5, what="the sweep")
        clock.advance(29 * MINUTE)
        assert service.timers.next_wake_at() == T0 + 30 * MINUTE
        clock.advance(MINUTE)

        async def warned() -> Any:
            await service.settle()
            return ticket.events(SlaWarningIssued)

        await eventually(warned, timeout_s=5, what="the warning at the wake-up")
        # Days pass in one step: the breaches follow, each once.
        clock.advance(timedelta(days=2))

        async def breached() -> Any:
            await service.settle()
            return len(ticket.events(SlaBreached)) == 2 or None

        await eventually(breached, timeout_s=5, what="both breaches")
        assert len(ticket.events(SlaWarningIssued)) == 2
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
    assert loop.cancelled()


async def test_the_debug_route_shows_the_computed_clocks() -> None:
    tickets = Tickets(ManualClock(T0))
    service = Service(tickets)
    await service.start()
    ticket = tickets.submit("P1")
    await service.settle()
    app = FastAPI()
    app.state.timers = service.timers
    app.include_router(router)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://sla") as client:
        shown = (await client.get(f"/tickets/{ticket.id}/sla")).json()
        missing = await client.get(f"/tickets/{UUID(int=7)}/sla")
    assert shown["clocks"][0]["due_at"].startswith("2026-11-23T11:00:00")
    assert shown["next_wake"].startswith("2026-11-23T10:30:00")
    assert shown["status"] == "new"
    assert missing.status_code == 404
