"""commands: SubmitTicket then PostMessage straight onto the command topic, events out.

The tickets service's throughput without HTTP: N submissions and then one agent message on
each are produced as fast as the producer goes, and the clock stops when the event log holds
all 2N events of these tickets (counted by their keys, read committed). The peer runs the
same workload on the `eventsourcing` library over PostgreSQL (`bench.peer_eventsourcing`).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench import peer_eventsourcing
from bench.clients import ticket_body
from bench.report import Result
from bench.stack import Stack
from contracts.base import Command
from contracts.commands import PostMessage, SubmitTicket
from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS, TICKET_EVENTS
from contracts.values import Actor

TARGET_PER_S = 3000
RATIO_TARGET = 1.0
REPLY = "Thanks, we are looking into it."


def envelope(command: Command, ticket_id: UUID, actor: Actor) -> bytes:
    command_id = uuid4()
    return (
        CommandEnvelope(
            command_id=command_id,
            type=command.TYPE,
            schema_version=command.SCHEMA_VERSION,
            ticket_id=ticket_id,
            issued_at=datetime.now(UTC),
            actor=actor,
            correlation_id=command_id,
            payload=command.model_dump(mode="json"),
        )
        .model_dump_json()
        .encode()
    )


def workload(tickets: int) -> list[tuple[bytes, bytes]]:
    """(key, value) of N submissions, then a message on each, encoded before the clock runs."""
    ids = [uuid4() for _ in range(tickets)]
    customer, agent = Actor(kind="customer"), Actor(kind="agent", id="bench")
    out = [
        (str(i).encode(), envelope(SubmitTicket(**ticket_body(n)), i, customer))
        for n, i in enumerate(ids)
    ]
    message = PostMessage(author="agent", message=REPLY)
    out += [(str(i).encode(), envelope(message, i, agent)) for i in ids]
    return out


async def _count_events(consumer: AIOKafkaConsumer, keys: set[bytes], expected: int) -> None:
    seen = 0
    while seen < expected:
        fetched = await consumer.getmany(timeout_ms=200, max_records=5000)
        seen += sum(1 for batch in fetched.values() for r in batch if r.key in keys)


async def ours(stack: Stack, tickets: int, timeout_s: float) -> tuple[float, float]:
    """(commands/s from the first send to the last event, seconds to send them all)."""
    records = workload(tickets)
    keys = {key for key, _ in records}
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.kafka, isolation_level="read_committed", enable_auto_commit=False
    )
    await consumer.start()
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka, linger_ms=10, acks="all")
    await producer.start()
    try:
        tps = [TopicPartition(TICKET_EVENTS.name, p) for p in range(TICKET_EVENTS.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # resolve the end now, before anything is sent
        counting = asyncio.create_task(_count_events(consumer, keys, len(records)))
        started = time.perf_counter()
        sends = [await producer.send(TICKET_COMMANDS.name, v, key=k) for k, v in records]
        await asyncio.gather(*sends)
        sent_s = time.perf_counter() - started
        await asyncio.wait_for(counting, timeout_s)
        return len(records) / (time.perf_counter() - started), sent_s
    finally:
        await producer.stop()
        await consumer.stop()


async def commands(stack: Stack, tickets: int, timeout_s: float) -> list[Result]:
    got, sent_s = await ours(stack, tickets, timeout_s)
    body = ticket_body(0)
    peer = await asyncio.to_thread(
        peer_eventsourcing.run_workload,
        stack.postgres_port,
        tickets,
        body["message"],
        lambda n: ticket_body(n)["subject"],
    )
    return [
        Result(
            scenario="commands",
            metric=f"commands/s to events, {tickets:,} SubmitTicket + {tickets:,} PostMessage",
            value=round(got, 1),
            unit="commands/s",
            target=f">= {TARGET_PER_S}",
            met=got >= TARGET_PER_S,
            ceiling=round(peer, 1),
            ratio=round(got / peer, 3) if peer else None,
            ratio_target=RATIO_TARGET,
            detail=f"all sent in {sent_s:.1f} s; peer (in the ceiling column): eventsourcing "
            f"{_version()} Application on PostgreSQL (fsync off, as the bench profile "
            "runs it), one transaction a command, sequential",
        )
    ]


def _version() -> str:
    from importlib.metadata import version

    return version("eventsourcing")
