"""The intake service as a real process on free ports (SMTP and HTTP), beside the `stack`,
and a gateway of its own that forwards `/api/v1/intake…` to it (`intake_gateway`).

Not a conftest pytest loads by itself: a test module names it in `pytest_plugins` (and
imports `Intake` for type checking only, so pytest can still rewrite its asserts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conftest import Stack, bearer
from support.ports import free_port
from support.processes import ServiceProcess

SUPPORT_ADDRESS = "support@dvika.care"
# The intake's wait for the tickets service's reply (503 after it), short for the tests.
COMMAND_TIMEOUT_S = 4


@dataclass
class Intake:
    process: ServiceProcess
    smtp_port: int
    support_address: str = SUPPORT_ADDRESS

    @property
    def url(self) -> str:
        return self.process.url

    def metric(self, name: str, **labels: str) -> float:
        """One sample of the intake's /metrics (0 when it has none yet)."""
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        sample = f"{name}{{{wanted}}}" if labels else name
        for line in text.splitlines():
            if line.startswith(sample + " "):
                return float(line.split()[-1])
        return 0.0

    async def ticket_or_none(
        self, client: httpx.AsyncClient, ticket: str, staff_token: str
    ) -> dict[str, Any] | None:
        """The ticket as the gateway (`client`) shows it to staff, or None while it is 404."""
        found = await client.get(f"/api/v1/tickets/{ticket}", headers=bearer(staff_token))
        if found.status_code == 404:
            return None
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body


@pytest.fixture(scope="module")
def intake(stack: Stack) -> Iterator[Intake]:
    """The intake on free ports, next to the stack's tickets service and gateway."""
    smtp_port = free_port()
    process = ServiceProcess(
        "intake",
        free_port(),
        {
            **stack.env,
            "DVIKA_INTAKE_SMTP_PORT": str(smtp_port),
            "DVIKA_INTAKE_SUPPORT_ADDRESS": SUPPORT_ADDRESS,
            "DVIKA_INTAKE_COMMAND_TIMEOUT_S": str(COMMAND_TIMEOUT_S),
        },
    )
    process.start()
    try:
        yield Intake(process, smtp_port)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def intake_gateway(stack: Stack, intake: Intake) -> Iterator[ServiceProcess]:
    """A second gateway, on a free port, whose `DVIKA_INTAKE_URL` is this module's intake (the
    stack's gateway started before the intake and forwards to the default URL)."""
    gateway = ServiceProcess("gateway", free_port(), {**stack.env, "DVIKA_INTAKE_URL": intake.url})
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
