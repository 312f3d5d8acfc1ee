"""`make rebuild-projections`: replay the ticket log into a fresh collection and switch over.

1. Replay every committed event into a new collection, up to the end offsets of now: the one
   writer there yet, it folds in memory and writes each document once per flush
   (`gateway.adapters.projection_loader`), then builds the indexes.
2. Point `projection_meta` at it; live projectors write there from their next batch.
3. Wait until every gateway has seen the new pointer, then replay what arrived meanwhile.
   A live projector that meets a ticket whose earlier events are still on their way pauses
   and re-reads that batch (a gap), so the two writers converge on the same documents.
4. Drop the collections older than the one just replaced.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

import structlog

from contracts.envelopes import EventEnvelope
from contracts.registry import UndecodableMessage, parse_event_envelope
from contracts.topics import TICKET_EVENTS
from gateway.adapters.projection_loader import ProjectionLoader
from gateway.adapters.ticket_store import POINTER_TTL_S, TicketStore
from gateway.settings import GatewaySettings
from kit.logging import configure_logging
from kit.mongo import make_mongo_client
from kit.replay import RecordBatch, replay

log = structlog.get_logger(__name__)


# Records per replayed batch: a larger one folds more events of a ticket in memory at once.
REPLAY_BATCH = 20_000


async def load_fresh(
    bootstrap_servers: str,
    topic: str,
    partitions: Iterable[int],
    loader: ProjectionLoader,
    *,
    on_batch: Callable[[RecordBatch], None] | None = None,
    timeout_s: float = 3600.0,
) -> dict[int, int]:
    """Step 1: the log up to its current end into the loader's fresh collection, indexes
    built; returns the end offsets. `on_batch` sees each batch first; what it raises stops the
    replay, and what was folded before is then written by `loader.finish()`."""

    async def fold(records: RecordBatch) -> None:
        if on_batch is not None:
            on_batch(records)
        await loader.add(list(_events(records)))

    ends = await replay(
        bootstrap_servers, topic, partitions, fold, batch_size=REPLAY_BATCH, timeout_s=timeout_s
    )
    await loader.finish()
    return ends


async def rebuild(settings: GatewaySettings) -> str:
    mongo = make_mongo_client(settings)
    try:
        store = TicketStore(mongo, settings.mongodb_database)
        previous = (await store.active_collection(fresh=True)).name
        target = f"tickets_{datetime.now(UTC):%Y%m%d%H%M%S%f}"

        async def fold(records: RecordBatch) -> None:
            await store.apply(list(_events(records)), target)

        partitions = range(TICKET_EVENTS.partitions)
        ends = await load_fresh(
            settings.kafka_bootstrap_servers,
            TICKET_EVENTS.name,
            partitions,
            ProjectionLoader(store, target),
        )
        await store.switch_to(target)
        await asyncio.sleep(POINTER_TTL_S * 2)  # every gateway re-reads the pointer by then
        # Step 3 shares the collection with the live projectors: the guarded path.
        await replay(
            settings.kafka_bootstrap_servers,
            TICKET_EVENTS.name,
            partitions,
            fold,
            start_offsets=ends,
        )
        stale = [n for n in await store.collection_names() if n not in (target, previous)]
        await store.drop(stale)
        log.info("projection rebuilt", collection=target, replaced=previous, dropped=stale)
        return target
    finally:
        await mongo.close()


def _events(records: RecordBatch) -> Iterator[EventEnvelope]:
    for record in records:
        try:
            yield parse_event_envelope(record.value or b"")
        except UndecodableMessage:
            # The live projector dead-lettered it when it first came by; nothing to rebuild.
            log.warning("skipping a record that is not an event", offset=record.offset)


def main() -> None:
    settings = GatewaySettings()
    configure_logging("rebuild-projections", settings.log_level, settings.log_format)
    collection = asyncio.run(rebuild(settings))
    print(f"tickets read model rebuilt into {collection} and switched over")
    sys.exit(0)
