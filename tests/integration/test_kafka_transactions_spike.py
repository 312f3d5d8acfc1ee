"""Spike: aiokafka 0.14 transactions against our Kafka 4.1 broker.

aiokafka's own CI does not run against Kafka 4, and the exactly-once loop of the tickets
service rests on exactly these behaviours, so this file is the proof that they hold here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, ProducerFenced

from support.waiting import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"spike-{uuid4().hex[:10]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        yield name
    finally:
        await admin.close()


def _producer(bootstrap: str, transactional_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, transactional_id=transactional_id, enable_idempotence=True
    )


async def _read_all(bootstrap: str, topic: str, isolation: str, expect: int) -> list[bytes]:
    """Every value visible under `isolation`, reading until `expect` arrive or the end."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level=isolation, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        values: list[bytes] = []
        async with asyncio.timeout(15):
            while len(values) < expect or await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=300)
                values += [r.value for r in batch.get(tp, [])]
                if not batch and await consumer.position(tp) >= end:
                    break
        return values
    finally:
        await consumer.stop()


async def test_committed_transaction_is_visible_to_read_committed(
    kafka_bootstrap: str, topic: str
) -> None:
    producer = _producer(kafka_bootstrap, f"spike-{uuid4()}")
    await producer.start()
    try:
        async with producer.transaction():
            for i in range(3):
                await producer.send(topic, f"c{i}".encode())
    finally:
        await producer.stop()
    assert await _read_all(kafka_bootstrap, topic, "read_committed", 3) == [b"c0", b"c1", b"c2"]


async def test_aborted_transaction_is_invisible_to_read_committed(
    kafka_bootstrap: str, topic: str
) -> None:
    producer = _producer(kafka_bootstrap, f"spike-{uuid4()}")
    await producer.start()
    try:
        await producer.begin_transaction()
        await (await producer.send(topic, b"aborted"))
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send(topic, b"kept")
    finally:
        await producer.stop()
    assert await _read_all(kafka_bootstrap, topic, "read_committed", 1) == [b"kept"]
    assert await _read_all(kafka_bootstrap, topic, "read_uncommitted", 2) == [b"aborted", b"kept"]


async def test_open_transaction_is_hidden_until_commit(kafka_bootstrap: str, topic: str) -> None:
    producer = _producer(kafka_bootstrap, f"spike-{uuid4()}")
    await producer.start()
    try:
        await producer.begin_transaction()
        await (await producer.send(topic, b"pending"))
        assert await _read_all(kafka_bootstrap, topic, "read_committed", 0) == []
        await producer.commit_transaction()
        assert await _read_all(kafka_bootstrap, topic, "read_committed", 1) == [b"pending"]
    finally:
        await producer.stop()


async def test_second_producer_with_same_transactional_id_fences_the_first(
    kafka_bootstrap: str, topic: str
) -> None:
    transactional_id = f"spike-{uuid4()}"
    zombie = _producer(kafka_bootstrap, transactional_id)
    await zombie.start()
    await zombie.begin_transaction()
    await (await zombie.send(topic, b"from-zombie"))
    successor = _producer(kafka_bootstrap, transactional_id)
    await successor.start()
    try:
        async with successor.transaction():  # waits for its producer id: the fencing moment
            await successor.send(topic, b"from-successor")
        with pytest.raises((ProducerFenced, KafkaError)):
            await zombie.commit_transaction()
    finally:
        await successor.stop()
        await zombie.stop()
    # The zombie's open transaction was aborted when the successor took over.
    assert await _read_all(kafka_bootstrap, topic, "read_committed", 1) == [b"from-successor"]


async def test_offsets_commit_only_with_the_transaction(kafka_bootstrap: str, topic: str) -> None:
    group = f"spike-group-{uuid4().hex[:8]}"
    seed = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await seed.start()
    for i in range(4):
        await seed.send_and_wait(topic, f"in{i}".encode())
    await seed.stop()
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    producer = _producer(kafka_bootstrap, f"spike-{uuid4()}")
    await consumer.start()
    await producer.start()
    try:
        records: list[object] = []
        async with asyncio.timeout(15):
            while len(records) < 4:
                records += (await consumer.getmany(timeout_ms=300)).get(tp, [])
        await producer.begin_transaction()
        await producer.send_offsets_to_transaction({tp: 2}, group)
        await producer.abort_transaction()
        assert await consumer.committed(tp) is None
        async with producer.transaction():
            await producer.send_offsets_to_transaction({tp: 4}, group)

        # The coordinator materialises transactional offsets when the commit marker lands.
        async def committed() -> int | None:
            offset: int | None = await consumer.committed(tp)
            return offset

        assert await eventually(committed, timeout_s=10, what="the committed offset") == 4
    finally:
        await producer.stop()
        await consumer.stop()
