"""submit: `POST /api/v1/tickets` over HTTP, open-loop at a fixed rate.

Its ceiling, measured in the same run, is the least any Kafka service doing the same job
must do: a raw aiokafka consume-transform-produce loop with one transaction per batch (the
offsets committed inside it), on the same broker. The tickets service does that plus the
decision and its state; the gateway adds HTTP, validation and waiting for the reply.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from bench import scratch_topics
from bench.clients import http_client, ticket_body
from bench.measure import Latencies, open_loop_lanes
from bench.report import Result
from bench.stack import Stack

TARGET_PER_S = 500
TARGET_P99_MS = 150
RATIO_TARGET = 0.25
# Connections the load generator keeps open; requests beyond them wait (and that counts).
LANES = 64


async def submit_load(stack: Stack, rate: float, seconds: float) -> Latencies:
    counter = itertools.count()
    lanes = [http_client(stack, connections=1) for _ in range(LANES)]
    try:

        async def request(client: httpx.AsyncClient) -> bool:
            answer = await client.post("/api/v1/tickets", json=ticket_body(next(counter)))
            return answer.status_code == 201

        return await open_loop_lanes(request, lanes, rate, seconds)
    finally:
        await asyncio.gather(*(lane.aclose() for lane in lanes))


async def transactional_ceiling(bootstrap: str, records: int) -> float:
    """Records per second through consume → transform → produce, one transaction a batch."""
    source, sink = scratch_topics.scratch("ctp.in"), scratch_topics.scratch("ctp.out")
    await scratch_topics.create(bootstrap, source, sink)
    payload = json.dumps({"payload": ticket_body(0), "type": "ticket.submit"}).encode()
    loader = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, acks="all")
    await loader.start()
    try:
        sends = [
            await loader.send(source.name, payload, key=str(n).encode()) for n in range(records)
        ]
        await asyncio.gather(*sends)
    finally:
        await loader.stop()
    group = f"bench-ctp-{uuid4()}"
    consumer = AIOKafkaConsumer(
        source.name,
        bootstrap_servers=bootstrap,
        group_id=group,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, transactional_id=f"bench-ctp-{uuid4()}", linger_ms=5
    )
    await consumer.start()
    await producer.start()
    try:
        done = 0
        started = 0.0
        while done < records:
            fetched = await consumer.getmany(timeout_ms=500, max_records=1000)
            if not fetched:
                continue
            started = started or time.perf_counter()
            async with producer.transaction():
                offsets: dict[TopicPartition, OffsetAndMetadata] = {}
                for tp, batch in fetched.items():
                    for record in batch:
                        # The transform: decode, decide something, encode (as a service would).
                        body = json.loads(record.value or b"{}")
                        body["decided"] = True
                        await producer.send(sink.name, json.dumps(body).encode(), key=record.key)
                    offsets[tp] = OffsetAndMetadata(batch[-1].offset + 1, "")
                    done += len(batch)
                await producer.send_offsets_to_transaction(offsets, group)
        return done / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def submit(stack: Stack, rate: float, seconds: float, ceiling_records: int) -> list[Result]:
    got = await submit_load(stack, rate, seconds)
    ceiling = await transactional_ceiling(stack.kafka, ceiling_records)
    achieved = got.answered_per_s
    met = achieved >= TARGET_PER_S and got.p99_ms < TARGET_P99_MS and got.errors == 0
    return [
        Result(
            scenario="submit",
            metric=f"tickets/s answered 201, open loop at {rate:g}/s for {seconds:g} s",
            value=round(achieved, 1),
            unit="tickets/s",
            target=f">= {TARGET_PER_S}",
            met=met,
            ceiling=round(ceiling, 1),
            ratio=round(achieved / ceiling, 3) if ceiling else None,
            ratio_target=RATIO_TARGET,
            detail=f"p50 {got.p50_ms:.1f} ms, p99 {got.p99_ms:.1f} ms (target < "
            f"{TARGET_P99_MS}), {got.count} requests, {got.errors} errors; one uvicorn "
            f"gateway process; {LANES} client connections; ceiling: raw aiokafka "
            "consume-transform-produce, a "
            "transaction per batch",
        )
    ]
