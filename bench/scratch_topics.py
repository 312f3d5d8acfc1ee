"""Topics of the bench's own, for ceilings and synthetic logs (never read by the services)."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel

from contracts.envelopes import EventEnvelope
from contracts.topics import DAY_MS, TopicSpec
from kit.kafka import ensure_topics


def scratch(name: str, partitions: int = 6, envelope: type[BaseModel] = EventEnvelope) -> TopicSpec:
    return TopicSpec(
        name=f"bench.{name}",
        partitions=partitions,
        retention_ms=DAY_MS,
        description="bench scratch topic",
        key="anything",
        envelope=envelope,
    )


async def create(bootstrap: str, *topics: TopicSpec) -> None:
    await ensure_topics(bootstrap, topics)


async def settle(bootstrap: str, topic: str, partitions: int, timeout_s: float = 180) -> float:
    """Wait until `topic` stops growing (2 s without a new record): the backlog a scenario
    left behind is worked off before the next one measures. Returns the seconds waited."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    started = time.monotonic()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        last: dict[TopicPartition, int] = {}
        quiet = 0
        while quiet < 2 and time.monotonic() - started < timeout_s:
            ends = await consumer.end_offsets(tps)
            quiet = quiet + 1 if ends == last else 0
            last = ends
            await asyncio.sleep(1)
        return time.monotonic() - started
    finally:
        await consumer.stop()
