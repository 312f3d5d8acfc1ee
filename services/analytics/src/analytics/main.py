"""Entry point of the analytics service.

- Folds the ticket event log into one fact per ticket (`analytics_ticket_facts`) in its own
  consumer group (`entrypoints/fact_projection.py`).
- Keeps the daily buckets (`analytics_daily`) and the report sheets made of them
  (`analytics_report_sheets`) up to date by recomputing changed days in the background
  (`entrypoints/bucket_refresher.py`).
- Serves `GET /reports/{metric}` (`entrypoints/http_reports.py`), plus /healthz, /readyz
  and /metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from analytics.adapters.calendar_file import load_calendar
from analytics.adapters.fact_store import AnalyticsStore
from analytics.adapters.report_reader import ReportReader
from analytics.entrypoints.bucket_refresher import BucketRefresher
from analytics.entrypoints.fact_projection import FactProjection
from analytics.entrypoints.http_reports import router as reports_router
from analytics.settings import AnalyticsSettings
from contracts.topics import ALL_TOPICS, TICKET_EVENTS
from kit.group_consumer import GroupConsumer
from kit.kafka import kafka_readiness_check, prepare_kafka
from kit.mongo import make_mongo_client, ping_mongo
from kit.ops import add_ops_routes
from kit.service import serve

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: AnalyticsSettings) -> FastAPI:
    service = settings.service_name
    bootstrap = settings.kafka_bootstrap_servers
    mongo = make_mongo_client(settings)
    store = AnalyticsStore(mongo, settings.mongodb_database)
    refresher = BucketRefresher(store, settings.refresh_interval_s)
    business = load_calendar(
        settings.calendar_file,
        timezone=settings.calendar_timezone,
        default_zone=settings.timezone,
    )
    projection = FactProjection(store, settings.zone, refresher.mark, business)
    events = replace(TICKET_EVENTS, name=settings.events_topic)
    consumer = GroupConsumer(
        bootstrap,
        events,
        settings.consumer_group,
        projection.on_events,
        service,
        name="facts",
        max_records=1000,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        await store.prepare()
        refresher.start()
        await consumer.start()
        for task in (consumer.task, refresher.task):
            if task is not None:
                task.add_done_callback(_exit_when_task_dies)
        log.info(
            "analytics started",
            timezone=settings.timezone,
            business_calendar=business.timezone,
            group=settings.consumer_group,
        )
        try:
            yield
        finally:
            for task in (consumer.task, refresher.task):
                if task is not None:
                    task.remove_done_callback(_exit_when_task_dies)
            await consumer.stop()
            await refresher.stop()
            await mongo.close()

    async def mongo_answers() -> None:
        await ping_mongo(mongo)

    async def projection_running() -> None:
        if not consumer.running:
            raise RuntimeError("the event consumer stopped")
        if not refresher.running:
            raise RuntimeError("the bucket refresher stopped")

    app = FastAPI(title="Dvika Care analytics", version="0.1.0", lifespan=lifespan)
    app.state.analytics_store = store
    app.state.report_reader = ReportReader(store, settings.report_cache_parts)
    app.state.zone = settings.zone
    app.state.clock = utc_now
    app.state.consumer = consumer
    app.state.refresher = refresher
    app.include_router(reports_router)
    add_ops_routes(
        app,
        service=service,
        checks={
            "kafka": kafka_readiness_check(bootstrap),
            "mongodb": mongo_answers,
            "projection": projection_running,
        },
    )
    return app


def _exit_when_task_dies(task: asyncio.Task[None]) -> None:
    # A loop that stopped for good leaves the reports stale: die loudly so the supervisor
    # restarts the service (the group resumes from its committed offsets; markers remain).
    if not task.cancelled():
        log.error("background task stopped", task=task.get_name(), error=repr(task.exception()))
        raise SystemExit(1)


def main() -> None:
    serve(AnalyticsSettings(), create_app)
