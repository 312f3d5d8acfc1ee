"""Entry point of the knowledge service: articles (the one writer of `dvika.knowledge.v1`),
their read model and search, suggestions, votes, deflections and similar tickets.

At start it reads the article log and the ticket event log from the beginning (TopicTails:
every replica builds both search indexes, on disk in `DVIKA_KNOWLEDGE_INDEX_DIR` or a
temporary folder) and is ready once both have caught up.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from contracts.topics import ALL_TOPICS, KNOWLEDGE, TICKET_EVENTS
from kit.kafka import kafka_readiness_check, prepare_kafka
from kit.mongo import make_mongo_client, ping_mongo
from kit.ops import add_ops_routes
from kit.service import serve
from kit.topic_tail import TopicTail
from knowledge.adapters.article_index import ArticleIndex
from knowledge.adapters.article_store import ArticleStore
from knowledge.adapters.event_producer import ArticleEventProducer
from knowledge.adapters.feedback_store import FeedbackStore
from knowledge.adapters.ticket_index import TicketIndex
from knowledge.entrypoints.article_log import ArticleLog
from knowledge.entrypoints.http_api import Services, router
from knowledge.entrypoints.ticket_feed import TicketFeed
from knowledge.settings import KnowledgeSettings

log = structlog.get_logger(__name__)
_POLL_S = 0.05


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _until_caught_up(tails: tuple[TopicTail, ...], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(tail.caught_up for tail in tails):
        for tail in tails:
            if tail.task is not None and tail.task.done():
                raise RuntimeError("a log reader stopped during start-up")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the logs were not read within {timeout_s:g} s")
        await asyncio.sleep(_POLL_S)


def create_app(settings: KnowledgeSettings) -> FastAPI:
    service = settings.service_name
    bootstrap = settings.kafka_bootstrap_servers
    mongo = make_mongo_client(settings)
    store = ArticleStore(mongo, settings.mongodb_database)
    feedback = FeedbackStore(mongo, settings.mongodb_database)
    folder = settings.index_dir
    index = ArticleIndex(folder / "articles" if folder else None)
    tickets = TicketIndex(folder / "tickets" if folder else None)
    producer = ArticleEventProducer(bootstrap, f"{service}-{settings.instance_id}")
    articles = ArticleLog(store, index, producer, utc_now)
    article_tail = TopicTail(bootstrap, KNOWLEDGE, articles.on_record, service, from_beginning=True)
    ticket_tail = TopicTail(
        bootstrap, TICKET_EVENTS, TicketFeed(tickets).on_record, service, from_beginning=True
    )
    tails = (article_tail, ticket_tail)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        if settings.rebuild:
            log.warning("rebuilding the knowledge read model from the log")
            await store.drop_read_model()
        await store.prepare()
        await feedback.prepare()
        await articles.load_stored_versions()
        await producer.start()
        started = time.monotonic()
        try:
            for tail in tails:
                await tail.start()
                if tail.task is not None:
                    tail.task.add_done_callback(_exit_when_reader_dies)
            await _until_caught_up(tails, settings.catch_up_timeout_s)
            if settings.rebuild:
                await store.recount_votes()
            log.info(
                "knowledge started",
                articles=len(articles.articles),
                published=index.published_count,
                tickets=len(tickets),
                took_s=round(time.monotonic() - started, 2),
            )
            yield
        finally:
            for tail in reversed(tails):
                if tail.task is not None:
                    tail.task.remove_done_callback(_exit_when_reader_dies)
                await tail.stop()
            await producer.stop()
            await mongo.close()
            index.close()
            tickets.close()

    async def logs_read() -> None:
        if not all(tail.caught_up for tail in tails):
            raise RuntimeError("still reading the logs")

    async def mongodb() -> None:
        await ping_mongo(mongo)

    app = FastAPI(title="Dvika Care knowledge", lifespan=lifespan)
    app.state.kb = Services(articles, store, feedback, index, tickets, utc_now)
    app.include_router(router)
    add_ops_routes(
        app,
        service=service,
        checks={"kafka": kafka_readiness_check(bootstrap), "mongodb": mongodb, "logs": logs_read},
    )
    return app


def _exit_when_reader_dies(task: asyncio.Task[None]) -> None:
    # A search index that silently stops following its log would serve stale answers for
    # ever; ending the process lets the supervisor start a fresh one.
    if not task.cancelled():
        log.error("a log reader stopped; exiting", error=repr(task.exception()))
        os._exit(1)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's default starting value


def return_freed_memory() -> None:
    """Fix glibc's mmap threshold, so big blocks stay mmapped and go back to the system when
    freed. Left dynamic, it rises to the largest block freed (up to 32 MB); from then on
    tantivy's 1 MB indexing pages and merge buffers come from heaps that keep what is freed
    for reuse: some 50 MB of resident memory at 100,000 tickets. Not glibc: nothing to do."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


def main() -> None:
    return_freed_memory()
    serve(KnowledgeSettings(), create_app)
