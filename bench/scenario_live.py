"""live: a submission accepted over HTTP → `ticket.new` on a staff WebSocket.

Submissions go out open-loop at a fixed rate; each delay runs from the moment the gateway
answered 201 (the submission accepted) to the moment the staff socket got the ticket's
`ticket.new` (0 when the socket was first). Beside it, the floor under any such path: a
Kafka produce → consume round trip alone, at the same rate, on the same broker (ratio: its
p99 / ours, as for `list`: the nearer 1, the less the services add).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from hdrh.histogram import HdrHistogram

from bench import scratch_topics
from bench.clients import http_client, live_url, staff_token, ticket_body
from bench.live_clients import Listeners, latencies, ms, ticket_id_of, ticket_new
from bench.measure import open_loop
from bench.report import Result
from bench.stack import Stack

TARGET_P99_MS = 100


async def submit_and_listen(
    stack: Stack, listeners: int, rate: float, seconds: float
) -> tuple[dict[str, float], dict[str, float], Listeners, int]:
    """(accepted time and sent time by ticket id, the listeners, failed submissions)."""
    accepted: dict[str, float] = {}
    sent: dict[str, float] = {}
    counter = itertools.count()
    async with http_client(stack) as client:
        token = await staff_token(client)
        clients = Listeners(live_url(stack, token), listeners, ticket_new)
        await clients.start()

        async def request() -> bool:
            started = time.perf_counter()
            answer = await client.post("/api/v1/tickets", json=ticket_body(next(counter)))
            if answer.status_code != 201:
                return False
            ticket_id = str(answer.json()["id"])
            accepted[ticket_id], sent[ticket_id] = time.perf_counter(), started
            return True

        got = await open_loop(request, rate, seconds)
        await clients.wait_for(set(accepted), ticket_id_of, 10)
        await clients.stop()
    return accepted, sent, clients, got.errors


async def kafka_round_trip(
    bootstrap: str, rate: float, seconds: float, *, transactional: bool = False
) -> HdrHistogram:
    """Produce → consume delays; transactional: each record in a transaction of its own and
    read `read_committed`, as the tickets service writes and the gateway reads its events."""
    topic = scratch_topics.scratch(f"rtt.{uuid4().hex[:8]}", partitions=1)
    await scratch_topics.create(bootstrap, topic)
    isolation = "read_committed" if transactional else "read_uncommitted"
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level=isolation)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=0,
        transactional_id=f"bench-rtt-{uuid4()}" if transactional else None,
    )
    await consumer.start()
    await producer.start()
    total = max(1, int(rate * seconds))
    due: dict[bytes, float] = {}
    histogram = HdrHistogram(1, 60_000_000, 3)
    try:
        tp = TopicPartition(topic.name, 0)
        consumer.assign([tp])
        await consumer.seek_to_end(tp)
        await consumer.position(tp)

        async def receive() -> None:
            seen = 0
            while seen < total:
                for batch in (await consumer.getmany(timeout_ms=100)).values():
                    now = time.perf_counter()
                    for record in batch:
                        at = due[record.value or b""]
                        histogram.record_value(max(1, int((now - at) * 1_000_000)))
                        seen += 1

        receiving = asyncio.create_task(receive())
        start = time.perf_counter()
        for n in range(total):
            at = start + n / rate
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            value = str(n).encode()
            due[value] = at
            if transactional:
                async with producer.transaction():
                    await producer.send(topic.name, value)
            else:
                await producer.send(topic.name, value)
        await asyncio.wait_for(receiving, 30)
    finally:
        await producer.stop()
        await consumer.stop()
    return histogram


async def live(stack: Stack, rate: float, seconds: float) -> list[Result]:
    accepted, sent, clients, errors = await submit_and_listen(stack, 1, rate, seconds)
    received = clients.received(ticket_id_of)
    after_accept, missed = latencies(accepted, received)
    after_send, _ = latencies(sent, received)
    kafka = await kafka_round_trip(stack.kafka, rate, seconds)
    committed = await kafka_round_trip(stack.kafka, rate, seconds, transactional=True)
    p99 = ms(after_accept, 99)
    return [
        Result(
            scenario="live",
            metric=f"p99 accepted → ticket.new on a staff socket, {rate:g} tickets/s",
            value=round(p99, 1),
            unit="ms",
            target=f"< {TARGET_P99_MS}",
            met=p99 < TARGET_P99_MS and missed == 0 and errors == 0,
            ceiling=round(ms(kafka, 99), 1),
            ratio=round(ms(kafka, 99) / max(p99, 0.001), 3),
            detail=f"p50 {ms(after_accept, 50):.1f} ms; from the POST sent: p50 "
            f"{ms(after_send, 50):.1f} ms, p99 {ms(after_send, 99):.1f} ms; "
            f"{len(accepted)} accepted, {errors} failed, {missed} never arrived; ceiling "
            f"column: Kafka produce → consume alone, p99 (p50 {ms(kafka, 50):.1f} ms); "
            f"with a transaction per record read read_committed: p50 "
            f"{ms(committed, 50):.1f} ms, p99 {ms(committed, 99):.1f} ms",
        )
    ]
