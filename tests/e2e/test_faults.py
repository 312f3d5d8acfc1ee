"""Faults seen from the outside: the tickets service down, the services that only report health."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from conftest import Stack
from support.processes import ServiceProcess

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

TICKET = {
    "customer": {"name": "Patient Customer", "email": "patient@example.com"},
    "subject": "Are you there?",
    "message": "Hello?",
}


@pytest.fixture(scope="module")
def impatient_gateway(stack: Stack) -> Iterator[ServiceProcess]:
    """A second gateway that gives up on a command after 2 s."""
    gateway = ServiceProcess("gateway", 18092, {**stack.env, "DVIKA_COMMAND_TIMEOUT_S": "2"})
    gateway.start()
    yield gateway
    gateway.stop()


async def test_tickets_down_answers_503_and_a_retry_with_the_same_key_gets_one_ticket(
    stack: Stack, impatient_gateway: ServiceProcess
) -> None:
    headers = {"Idempotency-Key": "fault-503-retry"}
    stack.tickets.kill()
    try:
        async with httpx.AsyncClient(base_url=impatient_gateway.url, timeout=15) as client:
            refused = await client.post("/api/v1/tickets", json=TICKET, headers=headers)
        assert refused.status_code == 503
        assert "did not answer within 2 s" in refused.json()["detail"]
    finally:
        await asyncio.to_thread(stack.tickets.start)
    # The command stayed on the log: the restarted service handles it, and the retry is
    # recognised as the same command instead of making a second ticket.
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        first = await client.post("/api/v1/tickets", json=TICKET, headers=headers)
        again = await client.post("/api/v1/tickets", json=TICKET, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["version"] == 1


@pytest.mark.parametrize(
    ("module", "port"),
    [
        ("intake", 18082),
        ("routing", 18083),
        ("sla", 18084),
        ("notify", 18085),
        ("analytics", 18086),
        ("knowledge", 18087),
    ],
)
async def test_each_service_starts_and_reports_healthy(
    service_env: dict[str, str], module: str, port: int
) -> None:
    # Intake's SMTP listener on a free port: 2525 may belong to a `make run` beside the tests.
    # Routing and SLA leave the other tests' tickets alone (no backfill).
    env = {
        **service_env,
        "DVIKA_INTAKE_SMTP_PORT": "0",
        "DVIKA_ROUTING_BACKFILL": "false",
        "DVIKA_SLA_BACKFILL": "false",
    }
    service = ServiceProcess(module, port, env)
    await asyncio.to_thread(service.start)
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:
            assert (await client.get("/healthz")).json()["service"] == module
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            checks = ready.json()["checks"]
            assert checks["kafka"] == "ok"
            assert set(checks.values()) == {"ok"}
            assert (await client.get("/metrics")).status_code == 200
    finally:
        service.stop()
