"""Losing one of three Kafka brokers mid-stream loses and duplicates no accepted ticket.

A three-broker cluster (replication factor 3, `min.insync.replicas=2`) of its own, the tickets
service and a gateway on it, the test servers' FerretDB under a database of its own. Customers
submit over HTTP (each with an `Idempotency-Key`, retried after a 5xx as a real client would).
Mid-stream the transaction coordinator of the tickets' partition-0 writer is SIGKILLed;
submissions go on with two brokers, then it comes back. Every accepted ticket is in the event
log exactly once and in the read model once, and both services got there without a restart.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE
from contracts.topics import TICKET_COMMANDS, TICKET_EVENTS, TICKET_REPLIES
from support.kafka_cluster import Broker, KafkaCluster, kafka_cluster
from support.kafka_tools import read_events
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

DATABASE = f"{TEST_DATABASE}_broker_loss"
BEFORE = 60  # tickets accepted before the broker dies
ON_TWO = 60  # accepted once the cluster has dropped it, before it comes back
AFTER = 40  # accepted after its return
WORKERS = 6
REPLICATED = (TICKET_COMMANDS.name, TICKET_EVENTS.name, TICKET_REPLIES.name)


@dataclass
class Stream:
    subject: str = field(default_factory=lambda: f"broker loss {uuid4()}")
    accepted: dict[str, UUID] = field(default_factory=dict)  # Idempotency-Key -> ticket id
    refused: Counter[str] = field(default_factory=Counter)  # answers other than 201, retried


@pytest.fixture
def cluster() -> Iterator[KafkaCluster]:
    try:
        with kafka_cluster(3) as running:
            yield running
    except FileNotFoundError as missing:  # no Kafka distribution or Java on this machine
        pytest.skip(str(missing))


@pytest.fixture
async def services(
    cluster: KafkaCluster,
    service_env: dict[str, str],
    mongo: AsyncMongoClient[dict[str, Any]],
) -> AsyncIterator[tuple[ServiceProcess, ServiceProcess]]:
    await mongo.drop_database(DATABASE)
    env = {
        **service_env,
        "KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap,
        "DVIKA_KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap,
        "DVIKA_MONGODB_DATABASE": DATABASE,
        "DVIKA_TOPIC_REPLICATION_FACTOR": "3",
    }
    tickets = ServiceProcess("tickets", free_port(), env)
    gateway = ServiceProcess("gateway", free_port(), env)
    try:
        await asyncio.to_thread(tickets.start)
        await asyncio.to_thread(gateway.start)
        yield tickets, gateway
    finally:
        gateway.stop()
        tickets.stop()
        await mongo.drop_database(DATABASE)


async def test_a_broker_killed_mid_stream_loses_and_duplicates_no_accepted_ticket(
    cluster: KafkaCluster,
    services: tuple[ServiceProcess, ServiceProcess],
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    tickets, gateway = services
    pids = (_pid(tickets), _pid(gateway))
    assert await _replication(cluster) == {3}
    stream = Stream()
    # The hardest broker to lose: the transaction coordinator of the writer of partition 0.
    victim = cluster.broker(await _transaction_coordinator(cluster, "dvika-tickets-p0"))
    await _submit_through_an_outage(cluster, victim, gateway, stream)

    # The broker is back in every replica set, and the services took it without a restart.
    await eventually(
        lambda: _fully_replicated(cluster), timeout_s=60, what="the broker back in every ISR"
    )
    assert (_pid(tickets), _pid(gateway)) == pids, "a service died and was restarted"
    async with httpx.AsyncClient(base_url=gateway.url, timeout=15) as client:
        after = await _submit(client, f"broker-loss-after-{uuid4()}", stream)
        for service in (tickets, gateway):
            assert (await client.get(f"{service.url}/readyz")).status_code == 200
    ids = set(stream.accepted.values())
    assert after in ids
    assert len(ids) == len(stream.accepted), "two keys made one ticket"

    await _assert_each_ticket_once_in_the_log(cluster, ids)
    await _assert_each_ticket_once_in_the_read_model(mongo, stream, ids)


async def _submit_through_an_outage(
    cluster: KafkaCluster, victim: Broker, gateway: ServiceProcess, stream: Stream
) -> None:
    """Submit without pause while `victim` is killed, left out of every ISR, then restarted.

    Phases by accepted tickets: BEFORE with three brokers; the kill; ON_TWO more once the
    cluster has dropped the victim from every ISR (so `min.insync.replicas=2` is what lets
    them through); the restart; AFTER more with the broker back.
    """
    done = asyncio.Event()

    async def worker(client: httpx.AsyncClient, number: int) -> None:
        for n in count():
            if done.is_set():
                return
            await _submit(client, f"broker-loss-{number}-{n}-{uuid4()}", stream)

    async def accepted(total: int, what: str) -> None:
        await eventually(lambda: _at_least(stream, total), timeout_s=60, what=what)

    async def fault() -> None:
        try:
            await accepted(BEFORE, "tickets on three brokers")
            victim.kill()
            await eventually(
                lambda: _left_every_isr(cluster, victim), timeout_s=30, what="the victim fenced"
            )
            await accepted(len(stream.accepted) + ON_TWO, "tickets on two brokers")
            await asyncio.to_thread(cluster.restart, victim)
            await accepted(len(stream.accepted) + AFTER, "tickets after the broker's return")
        finally:
            done.set()

    async with (
        asyncio.timeout(170),
        httpx.AsyncClient(base_url=gateway.url, timeout=30) as client,
    ):
        await asyncio.gather(fault(), *(worker(client, n) for n in range(WORKERS)))


async def _submit(client: httpx.AsyncClient, key: str, stream: Stream) -> UUID:
    """Submit until accepted, as a client would: the same key, so a retry is the same ticket."""
    deadline = time.monotonic() + 60
    while True:
        try:
            answer = await client.post(
                "/api/v1/tickets",
                json={
                    "customer": {"name": "Broker Loss", "email": "loss@example.com"},
                    "subject": stream.subject,
                    "message": key,
                },
                headers={"Idempotency-Key": key},
            )
        except httpx.TransportError as error:
            stream.refused[type(error).__name__] += 1
        else:
            if answer.status_code == 201:
                ticket_id = UUID(answer.json()["id"])
                stream.accepted[key] = ticket_id
                return ticket_id
            # Only "not now" answers may happen; a 4xx would be a bug in the test or service.
            assert answer.status_code >= 500, answer.text
            stream.refused[str(answer.status_code)] += 1
        assert time.monotonic() < deadline, f"{key} never accepted: {stream.refused}"
        await asyncio.sleep(0.2)


async def _at_least(stream: Stream, count: int) -> bool:
    return len(stream.accepted) >= count


async def _assert_each_ticket_once_in_the_log(cluster: KafkaCluster, ids: set[UUID]) -> None:
    submitted = Counter(
        event.ticket_id
        for _, event in await read_events(cluster.bootstrap)
        if event.type == "ticket.submitted"
    )
    assert set(submitted) == ids, "an accepted ticket is missing from the log, or one too many"
    assert set(submitted.values()) == {1}, "a ticket was submitted twice"


async def _assert_each_ticket_once_in_the_read_model(
    mongo: AsyncMongoClient[dict[str, Any]], stream: Stream, ids: set[UUID]
) -> None:
    tickets = mongo[DATABASE]["tickets_v1"]

    async def documents() -> list[dict[str, Any]] | None:
        found = await tickets.find(
            {"subject": stream.subject}, projection={"id": True, "version": True}
        ).to_list(None)
        return found if len(found) >= len(ids) else None

    found = await eventually(documents, timeout_s=60, what="every ticket in the read model")
    assert sorted(str(d["id"]) for d in found) == sorted(str(i) for i in ids)
    assert {d["version"] for d in found} == {1}


async def _admin(cluster: KafkaCluster) -> AIOKafkaAdminClient:
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap, request_timeout_ms=5000)
    await admin.start()
    return admin


async def _partitions(cluster: KafkaCluster) -> list[dict[str, Any]]:
    """The replicated topics' partitions; none while the client picked the dead broker."""
    try:
        admin = await _admin(cluster)
        try:
            described = await admin.describe_topics(list(REPLICATED))
        finally:
            await admin.close()
    except KafkaError:
        return []
    return [p for topic in described for p in topic["partitions"]]


async def _replication(cluster: KafkaCluster) -> set[int]:
    return {len(p["replicas"]) for p in await _partitions(cluster)}


async def _left_every_isr(cluster: KafkaCluster, broker: Broker) -> bool:
    partitions = await _partitions(cluster)
    return bool(partitions) and all(broker.node_id not in p["isr"] for p in partitions)


async def _fully_replicated(cluster: KafkaCluster) -> bool:
    partitions = await _partitions(cluster)
    return bool(partitions) and all(len(p["isr"]) == 3 for p in partitions)


async def _transaction_coordinator(cluster: KafkaCluster, transactional_id: str) -> int:
    admin = await _admin(cluster)
    try:
        node: int = await admin.find_coordinator(transactional_id, coordinator_type=1)
        return node
    finally:
        await admin.close()


def _pid(service: ServiceProcess) -> int:
    assert service.process is not None
    assert service.process.poll() is None, service.tail()
    return service.process.pid
