"""Entry point of the routing service.

- Follows the ticket event log and the agent roster from the beginning and, once caught up,
  routes new tickets by the rules and assigns them to available agents of their queue
  (`entrypoints/process_manager.py`, decisions in `domain/`).
- Serves the rules for admins: `GET /rules`, `PUT /rules` (`entrypoints/http_rules.py`),
  kept in MongoDB (`routing_rules`), seeded from `DVIKA_ROUTING_RULES_FILE`.
- /healthz, /readyz (ready once caught up and routing) and /metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from contracts.topics import ALL_TOPICS
from kit.command_sender import CommandSender
from kit.kafka import kafka_readiness_check, prepare_kafka
from kit.mongo import make_mongo_client, ping_mongo
from kit.ops import add_ops_routes
from kit.service import serve
from routing.adapters.rules_store import RulesStore
from routing.domain.rules import RuleSet
from routing.domain.tracker import RoutingTracker
from routing.entrypoints.http_rules import router as rules_router
from routing.entrypoints.process_manager import ProcessManager
from routing.entrypoints.rules_keeper import RulesKeeper
from routing.settings import RoutingSettings

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: RoutingSettings) -> FastAPI:
    service = settings.service_name
    bootstrap = settings.kafka_bootstrap_servers
    mongo = make_mongo_client(settings)
    # Replaced by the stored rules before anything is routed.
    tracker = RoutingTracker(RuleSet())
    keeper = RulesKeeper(
        RulesStore(mongo, settings.mongodb_database),
        tracker,
        settings.rules_file,
        utc_now,
        settings.rules_refresh_s,
    )
    sender = CommandSender(bootstrap, service)
    manager = ProcessManager(
        bootstrap, tracker, sender, utc_now, service, backfill=settings.backfill
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        await keeper.start()
        await sender.start()
        try:
            await manager.start()
            for task in manager.tails:
                task.add_done_callback(_exit_when_tail_dies)
            log.info("routing started", rules_version=keeper.current and keeper.current.version)
            yield
        finally:
            for task in manager.tails:
                task.remove_done_callback(_exit_when_tail_dies)
            await manager.stop()
            await sender.stop()
            await keeper.stop()
            await mongo.close()

    async def routing_live() -> None:
        if not manager.running:
            raise RuntimeError("a topic tail stopped")
        if not manager.live:
            raise RuntimeError("still catching up with the ticket log and the roster")

    async def mongo_answers() -> None:
        await ping_mongo(mongo)

    app = FastAPI(title="Dvika Care routing", lifespan=lifespan)
    app.state.rules_keeper = keeper
    app.include_router(rules_router)
    add_ops_routes(
        app,
        service=service,
        checks={
            "kafka": kafka_readiness_check(bootstrap),
            "mongodb": mongo_answers,
            "routing": routing_live,
        },
    )
    return app


def _exit_when_tail_dies(task: asyncio.Task[None]) -> None:
    # A tail that stopped for good leaves routing deaf: die loudly so the supervisor restarts
    # it (the state is rebuilt from the beginning of both topics).
    if not task.cancelled():
        log.error("topic tail stopped", tail=task.get_name(), error=repr(task.exception()))
        raise SystemExit(1)


def main() -> None:
    serve(RoutingSettings(), create_app)
