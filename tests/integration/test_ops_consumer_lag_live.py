"""`ConsumerLagReporter` on a real aiokafka consumer and a real broker: the lag it exports is
the partition's end offset minus the consumer's position, and reaches 0 once caught up."""

from __future__ import annotations

from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client import REGISTRY
from pydantic import BaseModel

from contracts.topics import DAY_MS, TopicSpec
from kit.kafka import ensure_topics
from kit.metrics import ConsumerLagReporter

pytestmark = [pytest.mark.kafka]

SERVICE = "lag-itest"


def lag(topic: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value(
        "dvika_consumer_lag", {"service": SERVICE, "topic": topic, "partition": str(partition)}
    )


async def test_lag_follows_the_consumer_through_a_real_topic(kafka_bootstrap: str) -> None:
    topic = TopicSpec(
        name=f"dvika.lagtest.{uuid4().hex[:8]}",
        partitions=2,
        retention_ms=DAY_MS,
        description="consumer lag test",
        key="none",
        envelope=BaseModel,
    )
    await ensure_topics(kafka_bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for i in range(10):
            await producer.send_and_wait(topic.name, f"a{i}".encode(), partition=0)
        for i in range(3):
            await producer.send_and_wait(topic.name, f"b{i}".encode(), partition=1)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    reporter = ConsumerLagReporter(SERVICE)
    tps = [TopicPartition(topic.name, 0), TopicPartition(topic.name, 1)]
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        fetched = await consumer.getmany(tps[0], timeout_ms=10_000, max_records=4)
        assert len(fetched.get(tps[0], [])) == 4
        await reporter.update(consumer)
        # Partition 0: 10 records, 4 read. Partition 1: nothing read; its lag is 3 once a
        # (background) fetch brought its high watermark, and not reported before that
        # rather than guessed.
        assert lag(topic.name, 0) == 6
        assert lag(topic.name, 1) in (None, 3)

        read = 4
        while read < 13:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, "no more records within 10 s"
            read += sum(len(records) for records in batch.values())
        await reporter.update(consumer)
        assert (lag(topic.name, 0), lag(topic.name, 1)) == (0, 0)
    finally:
        reporter.clear()
        await consumer.stop()
    assert lag(topic.name, 0) is None
