"""The console's Ops page (/admin/ops, admins only) in a real Chromium (Debian's).

A fake Prometheus is hard to drive from a browser test, so the summary is served by
Playwright's request interception for the health display and its 5-second refresh; a second
gateway whose Prometheus address answers nothing shows the real 503 reason.

Browser fixtures and helpers: e2e.conftest_browser.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route, expect

from conftest import Stack
from e2e.conftest_browser import log_in, open_page, screenshot
from integration.test_ops_summary_live import DOWN_WITHIN_S, Prometheus, config_for
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

pytest_plugins = ["e2e.conftest_browser"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]

SERVICES = ("gateway", "tickets", "intake", "routing", "sla", "notify", "analytics", "knowledge")


@pytest.fixture(scope="module")
def blind_gateway(stack: Stack) -> Iterator[ServiceProcess]:
    """A gateway whose Prometheus address has nothing listening (a port bound, then freed)."""
    gateway = ServiceProcess(
        "gateway",
        free_port(),
        {
            **stack.env,
            "DVIKA_PROMETHEUS_URL": f"http://127.0.0.1:{free_port()}",
            "DVIKA_PROJECTION_GROUP": f"dvika-gateway-console-ops-{uuid.uuid4().hex[:8]}",
        },
    )
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
async def blind_page(browser: Browser, blind_gateway: ServiceProcess) -> AsyncIterator[Page]:
    opened = await open_page(browser, blind_gateway.url, locale="en-US")
    yield opened
    await opened.context.close()


def _service(name: str, status: str) -> dict[str, Any]:
    up = 0 if status == "down" else 1
    return {
        "service": name,
        "status": status,
        "instances": 1,
        "instances_up": up,
        "throughput_per_s": 12.5 if up else None,
        "p95_latency_s": 0.042 if up else None,
        "error_rate_per_s": 0.0 if up else None,
        "consumer_lag": 3.0 if up else None,
        "dead_letters_1h": 0.0 if up else None,
        "dead_letters_total": 2.0 if up else None,
        "projection_lag_s": 0.5 if up else None,
    }


def _summary(down: str) -> dict[str, Any]:
    return {
        "prometheus_url": "http://prometheus.test:9090",
        "evaluated_at": datetime.now(UTC).isoformat(),
        "services": [_service(name, "down" if name == down else "up") for name in SERVICES],
    }


async def test_the_ops_page_shows_a_stopped_service_as_down_and_refreshes(
    page: Page, staff_tokens: dict[str, str]
) -> None:
    down = ["routing"]
    requests: list[str] = []

    async def fake_summary(route: Route) -> None:
        requests.append(route.request.url)
        body = json.dumps(_summary(down[-1]))
        await route.fulfill(status=200, content_type="application/json", body=body)

    await page.route("**/api/v1/ops/summary", fake_summary)
    await log_in(page, "admin", "/admin/ops")
    await expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    table = page.get_by_test_id("ops-table")
    await expect(table.locator("caption")).to_contain_text("Services")

    routing = page.get_by_test_id("ops-row-routing")
    await expect(routing).to_have_attribute("data-status", "down")
    await expect(routing.get_by_test_id("ops-status")).to_contain_text("Down")
    for name in SERVICES:
        if name != "routing":
            row = page.get_by_test_id(f"ops-row-{name}")
            await expect(row).to_have_attribute("data-status", "up")
            await expect(row.get_by_test_id("ops-status")).to_contain_text("Up")
    gateway = page.get_by_test_id("ops-row-gateway")
    await expect(gateway).to_contain_text("1 / 1")
    await expect(gateway).to_contain_text("42 ms")
    await expect(gateway).to_contain_text("0 / 2")
    await expect(page.get_by_test_id("ops-error")).to_have_count(0)

    # The page asks again on its own: routing comes back, the tickets service stops.
    down.append("tickets")
    await expect(routing).to_have_attribute("data-status", "up", timeout=15_000)
    await expect(page.get_by_test_id("ops-row-tickets")).to_have_attribute("data-status", "down")
    assert len(requests) >= 2
    await screenshot(page, "console-ops")


async def test_without_prometheus_the_ops_page_says_why(
    blind_page: Page, staff_tokens: dict[str, str]
) -> None:
    await log_in(blind_page, "admin", "/admin/ops")
    error = blind_page.get_by_test_id("ops-error")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("The service figures are unavailable")
    await expect(error).to_contain_text("cannot be reached")
    await expect(blind_page.get_by_test_id("ops-table")).to_have_count(0)


async def test_the_ops_page_is_for_admins_only(page: Page, staff_tokens: dict[str, str]) -> None:
    summaries: list[str] = []
    page.on(
        "request", lambda request: summaries.append(request.url) if "/ops/" in request.url else None
    )
    await log_in(page, "manager", "/admin/ops")
    await expect(page.get_by_test_id("ops-forbidden")).to_contain_text("admins only")
    await expect(page.get_by_role("navigation", name="Console sections")).not_to_contain_text("Ops")
    assert summaries == []


async def test_over_a_real_prometheus_the_page_shows_a_killed_service_down(
    browser: Browser, stack: Stack, staff_tokens: dict[str, str], tmp_path: Path
) -> None:
    """No interception: Prometheus (Debian's) scrapes a real gateway and routing service; the
    routing service is SIGKILLed and its row turns down in the open page within 15 s."""
    gateway_port, routing_port = free_port(), free_port()
    prometheus = Prometheus(
        config_for({"gateway": gateway_port, "routing": routing_port}, tmp_path),
        tmp_path / "data",
    )
    env = {
        **stack.env,
        "DVIKA_PROMETHEUS_URL": prometheus.url,
        "DVIKA_PROJECTION_GROUP": f"dvika-gateway-ops-live-{uuid.uuid4().hex[:8]}",
    }
    gateway = ServiceProcess("gateway", gateway_port, env)
    routing = ServiceProcess(
        "routing", routing_port, {**stack.env, "DVIKA_ROUTING_BACKFILL": "false"}
    )
    try:
        gateway.start()
        routing.start()
        await eventually(prometheus.ready, timeout_s=30, what="Prometheus ready")
        page = await open_page(browser, gateway.url, locale="en-US")
        await log_in(page, "admin", "/admin/ops")
        for name in ("gateway", "routing"):
            row = page.get_by_test_id(f"ops-row-{name}")
            await expect(row).to_have_attribute("data-status", "up", timeout=30_000)
        routing.kill()
        await expect(page.get_by_test_id("ops-row-routing")).to_have_attribute(
            "data-status", "down", timeout=DOWN_WITHIN_S * 1000
        )
        await expect(page.get_by_test_id("ops-row-gateway")).to_have_attribute("data-status", "up")
        await page.context.close()
    finally:
        routing.stop()
        gateway.stop()
        prometheus.stop()
