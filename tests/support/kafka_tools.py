"""Small Kafka helpers for tests: send raw commands, read a topic back."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from pydantic import ValidationError

from contracts.envelopes import CommandEnvelope, EventEnvelope
from contracts.topics import TICKET_EVENTS


async def producer(bootstrap: str) -> AIOKafkaProducer:
    made = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await made.start()
    return made


async def send_command(kafka: AIOKafkaProducer, topic: str, envelope: CommandEnvelope) -> None:
    await kafka.send_and_wait(
        topic, envelope.model_dump_json().encode(), key=str(envelope.ticket_id).encode()
    )


async def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def read_topic(
    bootstrap: str, topic: str, partitions: int, idle_s: float = 1.0
) -> list[ConsumerRecord[Any, Any]]:
    """Every committed record of `topic` now, in partition order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level="read_committed", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[Any, Any]] = []
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        async with asyncio.timeout(60):
            pending = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
            while pending:
                fetched = await consumer.getmany(*pending, timeout_ms=int(idle_s * 1000))
                for batch in fetched.values():
                    records.extend(batch)
                pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        return records
    finally:
        await consumer.stop()


async def read_events(bootstrap: str) -> list[tuple[ConsumerRecord[Any, Any], EventEnvelope]]:
    """Every committed ticket event with its record; foreign records (a test's garbage) skipped."""
    events = []
    for record in await read_topic(bootstrap, TICKET_EVENTS.name, TICKET_EVENTS.partitions):
        try:
            events.append((record, EventEnvelope.model_validate_json(record.value)))
        except ValidationError:
            continue
    return events


async def start_group_at_end(bootstrap: str, group: str, topic: str, partitions: int) -> None:
    """Commit `group`'s offsets at `topic`'s current end (`--reset-offsets --to-latest`): a
    consumer started in that group skips the shared log's history."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        await consumer.commit({tp: ends[tp] for tp in tps})
    finally:
        await consumer.stop()
