"""Session fixtures: real servers and the running services, each started once per test run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from support.processes import ServiceProcess
from support.servers import ROOT, Servers, test_servers

TEST_DATABASE = "dvika_test"

# `make test` (and so CI) sets this: every server, browser and tool a test needs is installed
# there, so a skipped test means something is missing, and it fails instead of passing quietly.
NO_SKIPS = os.environ.get("DVIKA_NO_SKIPS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but DVIKA_NO_SKIPS=1 allows no skip: {reason}"


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
        # Every test logs in from 127.0.0.1; the limit itself is tested on its own gateway.
        "DVIKA_LOGIN_ATTEMPTS_PER_MINUTE": "0",
        "DVIKA_PUBLIC_REQUESTS_PER_MINUTE": "0",
        # The gateway and the intake keep attachments in one folder, as on one host.
        "DVIKA_ATTACHMENTS_DIR": str(ROOT / ".state" / "test" / "attachments"),
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

    def staff_ws_url(self, access_token: str) -> str:
        return f"{self.ws_url}?access_token={access_token}"

    def customer_ws_url(self, ticket_id: str, tracking_token: str) -> str:
        return f"{self.ws_url}?ticket={ticket_id}&token={tracking_token}"


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


DEMO_PASSWORD = "dvika-demo"
STAFF_ROLES = ("admin", "manager", "agent", "engineer")


@pytest.fixture(scope="session")
def staff_tokens(stack: Stack) -> dict[str, str]:
    """An access token per staff role, for the demo accounts made by the project's own CLI."""
    demo_accounts = Path(sys.executable).with_name("dvika-demo-accounts")
    subprocess.run(
        [str(demo_accounts)], env={**os.environ, **stack.env}, check=True, capture_output=True
    )
    tokens = {}
    for role in STAFF_ROLES:
        login = httpx.post(
            f"{stack.url}/api/v1/auth/login",
            json={"email": f"{role}@demo.dvika.care", "password": DEMO_PASSWORD},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        tokens[role] = login.json()["access_token"]
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def mongo(servers: Servers) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        servers.mongodb_url, tz_aware=True, uuidRepresentation="standard"
    )
    yield client
    await client.close()
