"""`python -m sla` as a real process: ready once caught up, its debug route, a bad config."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from conftest import Stack
from support.kafka_tools import read_events
from support.ports import free_port
from support.processes import ServiceProcess
from support.tickets import submit_ticket
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture
async def sla(stack: Stack) -> AsyncIterator[ServiceProcess]:
    # Backfill off: the tickets earlier tests left behind are not this process's business.
    process = ServiceProcess("sla", free_port(), {**stack.env, "DVIKA_SLA_BACKFILL": "false"})
    await asyncio.to_thread(process.start)
    try:
        yield process
    finally:
        await asyncio.to_thread(process.stop)


async def test_the_service_sets_a_new_tickets_clocks_and_shows_them(
    stack: Stack, sla: ServiceProcess, kafka_bootstrap: str
) -> None:
    async with (
        httpx.AsyncClient(base_url=stack.url, timeout=15) as gateway,
        httpx.AsyncClient(base_url=sla.url, timeout=5) as service,
    ):
        ready = await service.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["event_log"] == "ok"
        created = await submit_ticket(gateway, "SLA process test", priority="P2")
        ticket_id = UUID(created["id"])

        async def shown() -> dict[str, Any] | None:
            answer = await service.get(f"/tickets/{ticket_id}/sla")
            return answer.json() if answer.status_code == 200 else None

        debug = await eventually(shown, timeout_s=30, what="the ticket's SLA debug view")
        assert debug["priority"] == "P2"
        assert debug["looked_after"] is True
        assert [c["target"] for c in debug["clocks"]] == ["first_response", "resolution"]
        assert all(c["business_hours"] and c["due_at"] for c in debug["clocks"])

        async def clocks_set() -> list[Any]:
            return [
                event
                for _, event in await read_events(kafka_bootstrap)
                if event.ticket_id == ticket_id and event.type == "ticket.sla_clocks_set"
            ]

        [event] = await eventually(clocks_set, timeout_s=30, what="ticket.sla_clocks_set")
        assert event.payload["clocks"] == debug["clocks"]
        missing = await service.get(f"/tickets/{uuid4()}/sla")
        assert missing.status_code == 404
        assert (await service.get("/tickets/not-a-uuid/sla")).status_code == 422


def test_a_bad_policies_file_stops_the_service_with_the_reason(
    stack: Stack, tmp_path: Path
) -> None:
    policies = tmp_path / "policies.yaml"
    policies.write_text("policies:\n  P1: {first_response_minutes: 0}\n")
    env = {**stack.env, "DVIKA_SLA_POLICIES_FILE": str(policies)}
    process = ServiceProcess("sla", free_port(), env)
    try:
        with pytest.raises(RuntimeError, match="exited") as failure:
            process.start(ready_timeout_s=60)
        assert "policies.yaml" in str(failure.value)
    finally:
        process.stop()
