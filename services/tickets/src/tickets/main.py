"""Entry point of the tickets service: the exactly-once command loop plus ops HTTP."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from contracts.topics import ALL_TOPICS
from kit.kafka import prepare_kafka
from kit.ops import add_ops_routes
from kit.service import serve
from tickets.entrypoints.command_consumer import CommandConsumer
from tickets.settings import TicketsSettings

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: TicketsSettings) -> FastAPI:
    consumer = CommandConsumer(
        settings.kafka_bootstrap_servers,
        group_id=settings.consumer_group,
        transactional_prefix=settings.transactional_prefix,
        clock=utc_now,
        max_batch=settings.max_batch,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        task = asyncio.create_task(consumer.run(), name="command-consumer")
        task.add_done_callback(_exit_when_consumer_dies)
        try:
            yield
        finally:
            task.remove_done_callback(_exit_when_consumer_dies)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def consumer_running() -> None:
        if not consumer.running:
            raise RuntimeError("command consumer is not running")

    app = FastAPI(title="Dvika Care tickets", lifespan=lifespan)

    @app.get("/partitions")
    async def owned_partitions() -> dict[str, list[int]]:
        """The command partitions this instance writes for now (it changes on rebalances)."""
        return {"owned": consumer.owned_partitions}

    add_ops_routes(
        app, service=settings.service_name, checks={"command_consumer": consumer_running}
    )
    return app


def _exit_when_consumer_dies(task: asyncio.Task[None]) -> None:
    # Without its loop the service is useless; dying loudly lets the supervisor restart it,
    # and a restart rebuilds everything from the log.
    if not task.cancelled():
        log.error("command consumer stopped", error=repr(task.exception()))
        raise SystemExit(1)


# The writer keeps every ticket of its partitions in memory and allocates a few dozen short
# lived objects per command; at the default threshold (700) the cyclic collector runs every
# few commands and walks that ever-growing heap, a third of the command loop's CPU with some
# 30,000 tickets held. Almost all of it is freed by reference counting anyway.
GC_THRESHOLDS = (50_000, 20, 100)


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    serve(TicketsSettings(), create_app)
