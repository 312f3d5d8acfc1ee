"""The SLA process manager: follows the ticket event log, keeps each open ticket's timeline,
and sends the commands the timelines call for when they fall due.

It reads the whole log from the beginning on every start (no consumer group, no state of its
own): the timelines, and the warnings, breaches and nudges already recorded, are rebuilt
from the events. It acts only once caught up: first one sweep over every ticket, then on
each new event of a ticket and at the timers' wake-ups (a heap of (instant, ticket id),
invalidated lazily: an entry counts only while it is still the ticket's next wake).
Command ids are deterministic, so whatever a crashed predecessor already sent is
deduplicated by the tickets service.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import structlog
from aiokafka import ConsumerRecord

from contracts.base import Event
from contracts.envelopes import CommandEnvelope, EventEnvelope
from contracts.events import TicketSubmitted
from contracts.registry import UndecodableMessage, decode_event, parse_event_envelope
from contracts.values import Actor
from sla.domain.clocks import (
    Action,
    Timeline,
    due_actions,
    fold,
    forget_requested,
    mark_requested,
    next_wake,
    start_timeline,
)
from sla.domain.policies import SlaConfig
from sla.entrypoints.clock import Clock
from sla.metrics import SLA_COMMANDS

log = structlog.get_logger(__name__)

SLA_ACTOR = Actor(kind="system", id="sla")
# After a failed send, try again this much later (by the injected clock).
_RETRY_AFTER = timedelta(seconds=5)
_CATCH_UP_POLL_S = 0.05
_HEAP_SLACK = 1024


class CommandSender(Protocol):
    async def send(self, envelopes: Sequence[CommandEnvelope]) -> None: ...


def command_envelope(ticket_id: UUID, action: Action, now: datetime) -> CommandEnvelope:
    command = action.command
    return CommandEnvelope(
        command_id=action.command_id,
        type=command.TYPE,
        schema_version=command.SCHEMA_VERSION,
        ticket_id=ticket_id,
        issued_at=now,
        actor=SLA_ACTOR,
        correlation_id=action.command_id,
        reply_to=None,
        payload=command.model_dump(mode="json"),
    )


class SlaTimers:
    def __init__(
        self,
        config: SlaConfig,
        clock: Clock,
        sender: CommandSender,
        *,
        act_on_submitted_since: datetime | None = None,
        tick_s: float = 60.0,
    ) -> None:
        self.config = config
        self.clock = clock
        self._sender = sender
        # None: every ticket (backfill); else only tickets submitted at or after it.
        self._since = act_on_submitted_since
        self._tick = timedelta(seconds=tick_s)
        self.timelines: dict[UUID, Timeline] = {}
        self._heap: list[tuple[datetime, UUID]] = []
        self._wakes: dict[UUID, datetime] = {}
        self._poke = asyncio.Event()
        # Commands planned but not sent yet, in the order they were planned; one sender at a
        # time, so batches (and each ticket's commands) reach Kafka in that order.
        self._outbox: list[tuple[Timeline, list[Action], datetime]] = []
        self._sending = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None
        # True once the log was read up to where it stood at start and every ticket swept.
        self.acting = False

    # --- the event log -----------------------------------------------------------------

    async def on_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """TopicTail handler: one record of the ticket event log."""
        try:
            envelope = parse_event_envelope(record.value or b"")
            event = decode_event(envelope)
        except UndecodableMessage as error:
            # Not ours to dead-letter (the tickets service wrote it): skip, loudly.
            log.warning("event skipped", offset=record.offset, reason=str(error))
            return
        await self.on_event(envelope, event)

    async def on_event(self, envelope: EventEnvelope, event: Event) -> None:
        ticket_id = envelope.ticket_id
        timeline = self.timelines.get(ticket_id)
        if timeline is None:
            if not isinstance(event, TicketSubmitted):
                # A ticket closed (and forgotten) earlier, or one whose start we never saw.
                return
            timeline = start_timeline(envelope, event)
            self.timelines[ticket_id] = timeline
        else:
            fold(timeline, envelope, event)
        if timeline.closed:
            self._forget(ticket_id)
            return
        if self.acting:
            # Not awaited: the log is never held up by a round trip to Kafka. The commands go
            # out in the next batch, in order, while the tail reads on.
            self._plan(timeline)
            self._flush_soon()

    def _forget(self, ticket_id: UUID) -> None:
        self.timelines.pop(ticket_id, None)
        # Its heap entries go stale and are skipped when they surface.
        self._wakes.pop(ticket_id, None)

    # --- acting ------------------------------------------------------------------------

    def looks_after(self, timeline: Timeline) -> bool:
        return self._since is None or timeline.submitted_at >= self._since

    async def act(self, timeline: Timeline) -> None:
        """Send what is due for the ticket now, then set its next wake-up."""
        self._plan(timeline)
        await self.flush()

    def _plan(self, timeline: Timeline) -> None:
        """Queue what is due for the ticket now (marked requested), and set its next wake-up."""
        if not self.looks_after(timeline):
            return
        now = self.clock.now()
        actions = due_actions(timeline, self.config, now)
        if actions:
            # Marked at once: a look at the ticket before the batch is sent must not ask again.
            mark_requested(timeline, actions)
            self._outbox.append((timeline, actions, now))
        self._set_wake(timeline.ticket_id, next_wake(timeline, self.config, now))

    def _flush_soon(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self.flush())

    async def flush(self) -> None:
        """Send every queued command, a batch at a time (one round trip for the lot); on a
        failure, un-mark the batch's actions and look at those tickets again a little later."""
        async with self._sending:
            while self._outbox:
                batch, self._outbox = self._outbox, []
                envelopes = [
                    command_envelope(timeline.ticket_id, action, now)
                    for timeline, actions, now in batch
                    for action in actions
                ]
                try:
                    await self._sender.send(envelopes)
                except Exception:
                    log.exception("commands not sent; retrying", commands=len(envelopes))
                    retry = self.clock.now() + _RETRY_AFTER
                    for timeline, actions, _ in batch:
                        forget_requested(timeline, actions)
                        wake = self._wakes.get(timeline.ticket_id)
                        self._set_wake(
                            timeline.ticket_id, retry if wake is None else min(wake, retry)
                        )
                    continue
                for envelope in envelopes:
                    SLA_COMMANDS.labels(envelope.type).inc()
                log.info("commands sent", commands=len(envelopes), tickets=len(batch))

    def _set_wake(self, ticket_id: UUID, wake: datetime | None) -> None:
        if wake is None:
            self._wakes.pop(ticket_id, None)
            return
        if self._wakes.get(ticket_id) == wake:
            return
        if len(self._heap) > 2 * len(self._wakes) + _HEAP_SLACK:
            # Superseded entries only leave when they surface; drop them all now and then.
            self._heap = [(at, ticket) for ticket, at in self._wakes.items()]
            heapq.heapify(self._heap)
        earliest = self._heap[0][0] if self._heap else None
        self._wakes[ticket_id] = wake
        heapq.heappush(self._heap, (wake, ticket_id))
        if earliest is None or wake < earliest:
            # The loop may be sleeping towards a later instant.
            self._poke.set()

    async def sweep(self) -> None:
        """Look at every ticket once (after catching up with the log)."""
        self.acting = True
        for timeline in list(self.timelines.values()):
            self._plan(timeline)
        await self.flush()

    async def fire_due(self) -> int:
        """Act on every ticket whose wake-up has come by the clock; returns how many."""
        fired = 0
        while self._heap and self._heap[0][0] <= self.clock.now():
            at, ticket_id = heapq.heappop(self._heap)
            if self._wakes.get(ticket_id) != at:
                continue  # superseded by a later computation, or the ticket closed
            del self._wakes[ticket_id]
            timeline = self.timelines.get(ticket_id)
            if timeline is not None:
                fired += 1
                self._plan(timeline)
        await self.flush()
        return fired

    def overdue_s(self) -> float:
        """How late the most overdue timer is now, in seconds; 0 when none is (or not acting).

        Read at each scrape (`dvika_timer_lag_seconds`), so a loop stuck on a send shows.
        """
        earliest = self.next_wake_at() if self.acting else None
        if earliest is None:
            return 0.0
        return max((self.clock.now() - earliest).total_seconds(), 0.0)

    def next_wake_at(self) -> datetime | None:
        while self._heap and self._wakes.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    async def run(self, caught_up: Callable[[], bool]) -> None:
        """Wait until the log is caught up, sweep, then keep firing timers until cancelled."""
        # TopicTail exposes a flag, not an event: poll it (briefly, only at start-up).
        while not caught_up():  # noqa: ASYNC110
            await asyncio.sleep(_CATCH_UP_POLL_S)
        await self.sweep()
        log.info("sla timers caught up", tickets=len(self.timelines))
        while True:
            self._poke.clear()
            await self.fire_due()
            until = self.clock.now() + self._tick
            earliest = self.next_wake_at()
            if earliest is not None:
                until = min(until, earliest)
            await self.clock.wait_until(until, self._poke)
