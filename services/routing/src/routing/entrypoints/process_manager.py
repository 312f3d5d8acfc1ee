"""The routing process manager: follows the ticket log and the agent roster, sends commands.

Both topics are read from the beginning on every start (no consumer group: the whole state
is rebuilt in memory, like a projection). Until both tails have caught up, records are only
folded; then one sweep routes the unrouted and assigns the waiting, and each new record is
acted on as it comes. Every command derives its id from the event that caused it, so what a
restart sends again is deduplicated by the tickets service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeAlias

import structlog
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from contracts.agents import AgentSnapshot
from contracts.envelopes import CommandEnvelope
from contracts.registry import UndecodableMessage, decode_event, parse_event_envelope
from contracts.topics import AGENTS, TICKET_EVENTS
from contracts.values import Actor
from kit.command_sender import CommandSender
from kit.kafka import dead_letter_record
from kit.topic_tail import TopicTail
from routing.domain.tracker import Decision, RoutingTracker
from routing.metrics import COMMANDS_SENT, WAITING_TICKETS

log = structlog.get_logger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
Clock = Callable[[], datetime]

ROUTING_ACTOR = Actor(kind="system", id="routing")
_RETRY_PAUSE_S = 0.5
_MAX_RETRY_PAUSE_S = 5.0


class ProcessManager:
    def __init__(
        self,
        bootstrap_servers: str,
        tracker: RoutingTracker,
        sender: CommandSender,
        clock: Clock,
        service: str,
        *,
        backfill: bool,
    ) -> None:
        self.tracker = tracker
        self._sender = sender
        self._clock = clock
        self._service = service
        self._backfill = backfill
        self._events = TopicTail(
            bootstrap_servers, TICKET_EVENTS, self._on_event, service, from_beginning=True
        )
        self._agents = TopicTail(
            bootstrap_servers, AGENTS, self._on_agent, service, from_beginning=True
        )
        self._go_live: asyncio.Task[None] | None = None

    @property
    def tails(self) -> list[asyncio.Task[None]]:
        """The two following tasks, once started (the service dies with either)."""
        return [t for t in (self._events.task, self._agents.task) if t is not None]

    @property
    def running(self) -> bool:
        going_live_failed = (
            self._go_live is not None
            and self._go_live.done()
            and not self._go_live.cancelled()
            and self._go_live.exception() is not None
        )
        return (
            len(self.tails) == 2
            and not any(t.done() for t in self.tails)
            and not (going_live_failed)
        )

    @property
    def live(self) -> bool:
        return self.tracker.live

    async def start(self) -> None:
        await self._agents.start()
        await self._events.start()
        self._go_live = asyncio.create_task(self._wait_then_go_live(), name="routing:go-live")

    async def stop(self) -> None:
        if self._go_live is not None:
            self._go_live.cancel()
            await asyncio.gather(self._go_live, return_exceptions=True)
        await self._events.stop()
        await self._agents.stop()

    async def _wait_then_go_live(self) -> None:
        await self._events.wait_caught_up()
        await self._agents.wait_caught_up()
        # Synchronous up to the send: no record can slip between the sweep and going live.
        decisions = self.tracker.go_live(backfill=self._backfill)
        log.info(
            "routing live",
            tickets=len(self.tracker.tickets),
            backfill=self._backfill,
            sweep_commands=len(decisions),
        )
        await self._send(decisions)

    async def _on_event(self, record: Record) -> None:
        try:
            envelope = parse_event_envelope(record.value or b"")
            event = decode_event(envelope)
        except UndecodableMessage as error:
            await self._dead_letter(record, str(error))
            return
        await self._send(self.tracker.apply_event(envelope, event))

    async def _on_agent(self, record: Record) -> None:
        if record.value is None:
            # A tombstone: the account was deleted for good.
            if record.key is not None:
                self.tracker.remove_agent(record.key.decode("utf-8", errors="replace"))
            return
        try:
            snapshot = AgentSnapshot.model_validate_json(record.value)
        except ValidationError as error:
            await self._dead_letter(record, f"invalid agent snapshot: {error}")
            return
        await self._send(self.tracker.apply_agent(snapshot))

    async def _send(self, decisions: Sequence[Decision]) -> None:
        WAITING_TICKETS.set(self.tracker.waiting_count)
        if not decisions:
            return
        envelopes = [self._envelope(d) for d in decisions]
        failures = 0
        while True:
            try:
                await self._sender.send(envelopes)
            except Exception:
                # Kafka away: hold the tail (nothing new can be read either) and try again;
                # the ids are fixed, so a partly sent batch sent again is deduplicated.
                failures += 1
                log.exception("sending commands failed; retrying", commands=len(envelopes))
                await asyncio.sleep(min(_RETRY_PAUSE_S * 2 ** (failures - 1), _MAX_RETRY_PAUSE_S))
                continue
            for decision in decisions:
                COMMANDS_SENT.labels(
                    decision.command.TYPE, getattr(decision.command, "queue", "")
                ).inc()
                log.info(
                    "command sent",
                    command=decision.command.TYPE,
                    ticket_id=str(decision.ticket_id),
                    command_id=str(decision.command_id),
                )
            return

    def _envelope(self, decision: Decision) -> CommandEnvelope:
        command = decision.command
        return CommandEnvelope(
            command_id=decision.command_id,
            type=command.TYPE,
            schema_version=command.SCHEMA_VERSION,
            ticket_id=decision.ticket_id,
            issued_at=self._clock(),
            actor=ROUTING_ACTOR,
            correlation_id=decision.correlation_id,
            causation_id=decision.causation_id,
            reply_to=None,
            payload=command.model_dump(mode="json"),
        )

    async def _dead_letter(self, record: Record, reason: str) -> None:
        log.warning("record skipped", topic=record.topic, offset=record.offset, reason=reason)
        if not self.tracker.live:
            # Read again on every start: the run that first saw it live dead-lettered it.
            return
        try:
            await self._sender.dead_letter(
                dead_letter_record(self._service, record, reason, self._clock())
            )
        except Exception:
            log.exception("dead letter not sent", topic=record.topic, offset=record.offset)
