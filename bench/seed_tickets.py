"""Put N tickets straight onto the command topic and wait until the read model holds them.

    python bench/seed_tickets.py --count 100000 --bootstrap 127.0.0.1:29092 \
        --mongo mongodb://127.0.0.1:27037/ --database dvika_bench

Subjects and messages draw from a small vocabulary plus a unique order number per ticket,
so text queries have both common words and rare ones to look for.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime
from uuid import uuid4

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from contracts.commands import SubmitTicket
from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS
from contracts.values import Actor, Customer

WORDS = [
    "invoice", "refund", "billing", "charge", "error", "bug", "crash", "api", "login",
    "password", "export", "csv", "report", "slow", "timeout", "outage", "mobile", "android",
    "iphone", "email", "notification", "webhook", "integration",
]  # fmt: skip
CATEGORIES = ("general", "billing", "technical", "account")


def submission(n: int, rng: random.Random) -> SubmitTicket:
    words = rng.sample(WORDS, 4)
    return SubmitTicket(
        customer=Customer(name=f"Customer {n % 5000}", email=f"c{n % 5000}@example.com"),
        category=rng.choice(CATEGORIES),
        priority=rng.choice(("P1", "P2", "P3", "P4")),
        subject=f"{words[0].title()} {words[1]} problem, order ORD{n:07d}",
        message=f"Hello, my {words[2]} and {words[3]} do not work since yesterday. " * 3,
    )


async def seed(count: int, bootstrap: str) -> float:
    rng = random.Random(7)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, acks="all")
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for n in range(count):
            command = submission(n, rng)
            ticket_id, command_id = uuid4(), uuid4()
            envelope = CommandEnvelope(
                command_id=command_id,
                type=command.TYPE,
                ticket_id=ticket_id,
                issued_at=datetime.now(UTC),
                actor=Actor(kind="system", id="bench"),
                correlation_id=command_id,
                payload=command.model_dump(mode="json"),
            )
            raw = envelope.model_dump_json().encode()
            key = str(ticket_id).encode()
            pending.append(await producer.send(TICKET_COMMANDS.name, raw, key=key))
            if len(pending) >= 2000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def wait_for_read_model(url: str, database: str, count: int, timeout_s: float) -> float:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url)
    started = time.perf_counter()
    try:
        meta = await client[database]["projection_meta"].find_one({"_id": "tickets"})
        name = str(meta["collection"]) if meta else "tickets_v1"
        while time.perf_counter() - started < timeout_s:
            have = await client[database][name].estimated_document_count()
            if have >= count:
                return time.perf_counter() - started
            await asyncio.sleep(2)
        raise TimeoutError(f"read model has {have} of {count} tickets after {timeout_s} s")
    finally:
        await client.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--mongo", default="mongodb://127.0.0.1:27037/")
    parser.add_argument("--database", default="dvika_bench")
    parser.add_argument("--expect", type=int, default=None, help="tickets in the read model")
    args = parser.parse_args()
    sent = await seed(args.count, args.bootstrap)
    print(f"sent {args.count} submissions in {sent:.1f} s")
    waited = await wait_for_read_model(args.mongo, args.database, args.expect or args.count, 1800)
    print(f"read model complete {waited:.1f} s later")


if __name__ == "__main__":
    asyncio.run(main())
