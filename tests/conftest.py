"""Session fixtures: real servers and the running services, each started once per test run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from support.processes import ServiceProcess
from support.servers import Servers, test_servers

TEST_DATABASE = "dvika_test"


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    with test_servers() as running:
        yield running


@pytest.fixture(scope="session")
def kafka_bootstrap(servers: Servers) -> str:
    return servers.kafka_bootstrap


@pytest.fixture(scope="session")
def service_env(servers: Servers) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
        "MONGODB_URL": servers.mongodb_url,
        "DVIKA_MONGODB_DATABASE": TEST_DATABASE,
        "DVIKA_LOG_LEVEL": "INFO",
    }


@dataclass
class Stack:
    tickets: ServiceProcess
    gateway: ServiceProcess
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.gateway.url

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.gateway.port}/ws"


@pytest.fixture(scope="session")
def stack(service_env: dict[str, str]) -> Iterator[Stack]:
    """The tickets service and the gateway as real processes (ports 18081 and 18080)."""
    tickets = ServiceProcess("tickets", 18081, service_env)
    gateway = ServiceProcess("gateway", 18080, service_env)
    tickets.start()
    try:
        gateway.start()
        yield Stack(tickets, gateway, service_env)
    finally:
        gateway.stop()
        tickets.stop()


@pytest.fixture(scope="session")
async def mongo(servers: Servers) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        servers.mongodb_url, tz_aware=True, uuidRepresentation="standard"
    )
    yield client
    await client.close()
