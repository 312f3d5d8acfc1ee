"""Entry point of the gateway: the HTTP API, the WebSocket and the tickets read model."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from contracts.topics import ALL_TOPICS, PRESENCE, TICKET_EVENTS
from gateway.adapters.listing_index import ListingIndex
from gateway.adapters.ticket_store import TicketStore
from gateway.entrypoints import (
    http_admin,
    http_attachments,
    http_auth,
    http_macros,
    http_ops,
    http_ticket_commands,
    http_ticket_queries,
    http_tickets,
    routing_proxy,
    web_ui,
    websocket,
)
from gateway.entrypoints.intake_proxy import router as intake_proxy_router
from gateway.entrypoints.knowledge_proxy import router as knowledge_proxy_router
from gateway.entrypoints.listing_feed import ListingFeed
from gateway.entrypoints.notifications_proxy import admin_router as deliveries_admin_router
from gateway.entrypoints.notifications_proxy import router as notifications_proxy_router
from gateway.entrypoints.projection import projection_consumer
from gateway.entrypoints.reports_proxy import router as reports_proxy_router
from gateway.identity.rate_limit import RateLimiter
from gateway.identity.service import Identity
from gateway.live import LiveFeed, LiveHub
from gateway.macros.store import MacroStore
from gateway.notifications import notification_tail
from gateway.presence import PresenceFeed, PresencePublisher
from gateway.roster import RosterPublisher
from gateway.schemas import ERROR_RESPONSES
from gateway.settings import GatewaySettings
from kit.command_bus import CommandBus
from kit.command_sender import CommandSender
from kit.kafka import prepare_kafka
from kit.mongo import make_mongo_client, ping_mongo
from kit.ops import add_ops_routes
from kit.service import serve
from kit.topic_tail import TopicTail

log = structlog.get_logger(__name__)


def create_app(settings: GatewaySettings) -> FastAPI:
    mongo = make_mongo_client(settings)
    store = TicketStore(mongo, settings.mongodb_database)
    macros = MacroStore(mongo, settings.mongodb_database)
    bus = CommandBus(settings.kafka_bootstrap_servers, f"gateway-{settings.instance_id}", "gateway")
    hub = LiveHub()
    live = TopicTail(
        settings.kafka_bootstrap_servers, TICKET_EVENTS, LiveFeed(hub, store).on_event, "gateway"
    )
    presence = PresencePublisher(settings.kafka_bootstrap_servers)
    presence_tail = TopicTail(
        settings.kafka_bootstrap_servers, PRESENCE, PresenceFeed(hub).on_signal, "gateway"
    )
    notifications_tail = notification_tail(settings.kafka_bootstrap_servers, hub)
    dead_letters = CommandSender(settings.kafka_bootstrap_servers, "gateway")
    projection = projection_consumer(
        settings.kafka_bootstrap_servers, store, settings.projection_group, dead_letters
    )
    index = ListingIndex(settings.listing_index_dir)
    listing = ListingFeed(index, settings.kafka_bootstrap_servers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        await store.prepare()
        await macros.prepare()
        await app.state.identity.accounts.prepare()
        await bus.start()
        await live.start()
        await presence.start()
        await presence_tail.start()
        await notifications_tail.start()
        await listing.start()
        await roster.start()
        await dead_letters.start()
        await projection.start()
        if projection.task is not None:
            projection.task.add_done_callback(_exit_when_projection_dies)
        try:
            yield
        finally:
            if projection.task is not None:
                projection.task.remove_done_callback(_exit_when_projection_dies)
            await projection.stop()
            await dead_letters.stop()
            await roster.stop()
            await listing.stop()
            await notifications_tail.stop()
            await presence_tail.stop()
            await presence.stop()
            await live.stop()
            await bus.stop()
            await mongo.close()

    async def mongo_answers() -> None:
        await ping_mongo(mongo)

    async def projection_running() -> None:
        if not projection.running:
            raise RuntimeError("the read model's consumer stopped")

    app = FastAPI(title="Dvika Care gateway", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    limit = settings.public_requests_per_minute
    app.state.public_limiter = RateLimiter(limit) if limit else None
    app.state.command_bus = bus
    app.state.ticket_store = store
    app.state.macros = macros
    app.state.live_hub = hub
    app.state.listing = listing
    app.state.presence = presence
    app.state.identity = identity = Identity.from_settings(settings, mongo)
    roster = RosterPublisher(
        settings.kafka_bootstrap_servers,
        identity.accounts,
        republish_every_s=settings.roster_republish_s,
    )
    identity.on_account_change = roster.publish_account
    app.include_router(http_ticket_queries.router, responses=ERROR_RESPONSES)
    app.include_router(http_tickets.router, responses=ERROR_RESPONSES)
    app.include_router(http_attachments.router)
    app.include_router(http_ticket_commands.router, responses=ERROR_RESPONSES)
    app.include_router(http_macros.router)
    app.include_router(websocket.router)
    app.include_router(http_auth.router, responses=ERROR_RESPONSES)
    app.include_router(http_auth.me_router, responses=ERROR_RESPONSES)
    app.include_router(http_admin.router, responses=ERROR_RESPONSES)
    app.include_router(web_ui.router)
    app.include_router(intake_proxy_router)
    app.include_router(routing_proxy.router, responses=ERROR_RESPONSES)
    app.include_router(reports_proxy_router, responses=ERROR_RESPONSES)
    app.include_router(http_ops.router, responses=ERROR_RESPONSES)
    app.include_router(knowledge_proxy_router, responses=ERROR_RESPONSES)
    app.include_router(notifications_proxy_router, responses=ERROR_RESPONSES)
    app.include_router(deliveries_admin_router, responses=ERROR_RESPONSES)
    add_ops_routes(
        app,
        service=settings.service_name,
        checks={"mongodb": mongo_answers, "projection": projection_running},
    )
    # The chat widget runs on other sites: only what it needs, never credentials or staff logins.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.widget_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Idempotency-Key", "X-Tracking-Token"],
        allow_credentials=False,
    )
    return app


def _exit_when_projection_dies(task: asyncio.Task[None]) -> None:
    # Without it every read goes stale: die loudly so the supervisor restarts the gateway
    # (the projection group resumes from its committed offsets).
    if not task.cancelled():
        log.error("read model consumer stopped", error=repr(task.exception()))
        raise SystemExit(1)


def main() -> None:
    serve(GatewaySettings(), create_app)
