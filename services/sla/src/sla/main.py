"""SLA service: keeps each ticket's first-response and resolution clocks, records warnings
and breaches when they fall due, and nudges then closes quiet tickets.

It follows the ticket event log from the beginning (`entrypoints/timers.py`) and changes
tickets only by sending commands to the tickets service. Serves /healthz, /readyz (ready
once caught up with the log), /metrics and the debug route `GET /tickets/{id}/sla`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from contracts.topics import ALL_TOPICS, TICKET_EVENTS
from kit.command_sender import CommandSender
from kit.kafka import kafka_readiness_check, prepare_kafka
from kit.metrics import TIMER_LAG_SECONDS
from kit.ops import add_ops_routes
from kit.service import serve
from kit.topic_tail import TopicTail
from sla.adapters.policy_file import load_policies
from sla.entrypoints.clock import SystemClock
from sla.entrypoints.http_debug import router as debug_router
from sla.entrypoints.timers import SlaTimers
from sla.settings import SlaSettings

log = structlog.get_logger(__name__)


def create_app(settings: SlaSettings) -> FastAPI:
    service = settings.service_name
    bootstrap = settings.kafka_bootstrap_servers
    # A bad policies file stops the service at start, with the reason.
    config = load_policies(settings.policies_file, timezone=settings.timezone)
    clock = SystemClock()
    sender = CommandSender(bootstrap, service)
    timers = SlaTimers(
        config,
        clock,
        sender,
        act_on_submitted_since=None if settings.backfill else clock.now(),
        tick_s=settings.tick_s,
    )
    tail = TopicTail(bootstrap, TICKET_EVENTS, timers.on_record, service, from_beginning=True)
    TIMER_LAG_SECONDS.labels(service, "sla").set_function(timers.overdue_s)
    tasks: list[asyncio.Task[None]] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        await sender.start()
        try:
            await tail.start()
            loop = asyncio.create_task(timers.run(lambda: tail.caught_up), name="sla-timers")
            tasks.append(loop)
            for task in (loop, tail.task):
                if task is not None:
                    task.add_done_callback(_exit_when_loop_dies)
            log.info("sla started", policies=str(settings.policies_file))
            yield
        finally:
            for task in (*tasks, tail.task):
                if task is not None:
                    task.remove_done_callback(_exit_when_loop_dies)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await tail.stop()
            await sender.stop()

    async def caught_up_and_running() -> None:
        if not timers.acting:
            raise RuntimeError("still reading the ticket event log")
        if any(task.done() for task in tasks) or tail.task is None or tail.task.done():
            raise RuntimeError("the timer loop or the event tail stopped")

    app = FastAPI(title="Dvika Care sla", lifespan=lifespan)
    app.state.timers = timers
    app.include_router(debug_router)
    add_ops_routes(
        app,
        service=service,
        checks={
            "kafka": kafka_readiness_check(bootstrap),
            "event_log": caught_up_and_running,
        },
    )
    return app


def _exit_when_loop_dies(task: asyncio.Task[None]) -> None:
    # Without its loops the service would silently miss deadlines: die so it is restarted.
    if not task.cancelled():
        log.error("sla loop stopped", loop=task.get_name(), error=repr(task.exception()))
        raise SystemExit(1)


def main() -> None:
    serve(SlaSettings(), create_app)
