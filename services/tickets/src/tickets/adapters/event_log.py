"""Reading the ticket event log back, to rebuild the writer's state for its partitions."""

from __future__ import annotations

from collections.abc import Iterable

import structlog

from contracts.registry import UndecodableMessage, parse_event_envelope
from contracts.topics import TICKET_EVENTS
from kit.replay import RecordBatch, replay
from tickets.application.partition import PartitionState

log = structlog.get_logger(__name__)


async def rebuild_partitions(
    bootstrap_servers: str, partitions: Iterable[int], partition_count: int
) -> dict[int, PartitionState]:
    """Replay the committed events of `partitions` into fresh states.

    Call only after this instance's transactional producers for these partitions have got
    their producer ids: that fences any previous writer and settles its open transaction, so
    the end offset read here is final and nothing can be appended behind our back.
    """
    states = {p: PartitionState(partition=p, partitions=partition_count) for p in partitions}

    async def fold(records: RecordBatch) -> None:
        for record in records:
            try:
                envelope = parse_event_envelope(record.value or b"")
            except UndecodableMessage as error:
                # Not an event at all (only this service may write here: a stray producer),
                # so it cannot be part of any ticket's version sequence. A *gap* in versions,
                # by contrast, stops the rebuild: that would be a corrupt log.
                log.error(
                    "foreign record in the event log", offset=record.offset, reason=str(error)
                )
                continue
            states[record.partition].apply(envelope)

    await replay(bootstrap_servers, TICKET_EVENTS.name, list(states), fold)
    return states
