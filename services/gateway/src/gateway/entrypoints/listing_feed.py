"""Feeds the listing index (`gateway.adapters.listing_index`) from the ticket event log.

Each replica reads every partition from the beginning on start (no consumer group: every
replica needs every ticket) and then follows new events; `ready` turns true once it has
caught up with the log as it stood at start, and the list route switches to the index then.
"""

from __future__ import annotations

import asyncio

from aiokafka import ConsumerRecord

from contracts.registry import parse_event_envelope
from contracts.topics import TICKET_EVENTS
from gateway.adapters.listing_index import ListingIndex
from kit.topic_tail import TopicTail

# A replay folds thousands of events per fetched batch; yield to requests between slices.
_YIELD_EVERY = 256


class ListingFeed:
    def __init__(self, index: ListingIndex, bootstrap_servers: str) -> None:
        self.index = index
        self._tail = TopicTail(
            bootstrap_servers, TICKET_EVENTS, self._on_event, "gateway", from_beginning=True
        )
        self._folded = 0

    @property
    def ready(self) -> bool:
        return self._tail.caught_up

    async def start(self) -> None:
        await self._tail.start()

    async def stop(self) -> None:
        await self._tail.stop()
        self.index.close()

    async def _on_event(self, record: ConsumerRecord[bytes, bytes]) -> None:
        self.index.apply(parse_event_envelope(record.value or b""))
        self._folded += 1
        if self._folded % _YIELD_EVERY == 0:
            await asyncio.sleep(0)
