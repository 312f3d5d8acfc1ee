"""Reading the ticket event log back, to rebuild the writer's state for its partitions."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.registry import parse_event_envelope
from contracts.topics import TICKET_EVENTS
from kit.replay import RecordBatch, replay
from tickets.application.partition import PartitionState


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
            states[record.partition].apply(parse_event_envelope(record.value or b""))

    await replay(bootstrap_servers, TICKET_EVENTS.name, list(states), fold)
    return states
