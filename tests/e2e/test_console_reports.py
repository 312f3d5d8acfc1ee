"""The console's Stats panel (/admin/reports) over the real analytics service, in Chromium.

Tickets are seeded over the API (submitted, answered, resolved and rated; one left open and
assigned), the analytics service runs beside the stack on its own database and consumer group
(so it folds the whole event log afresh), and a second gateway points at it. The manager sees
every chart drawn with its numbers in a table, downloads a CSV; an agent is politely refused.

Browser fixtures and helpers: e2e.conftest_browser.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from conftest import DEMO_PASSWORD, Stack, bearer
from e2e.conftest_browser import log_in, open_page
from support.ports import free_port
from support.processes import ServiceProcess
from support.servers import ROOT
from support.tickets import submit_ticket
from support.waiting import eventually

pytest_plugins = ["e2e.conftest_browser"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]

SCREENSHOT = ROOT / "web" / "docs" / "screenshots" / "console-reports.png"
METRICS = (
    "volume",
    "first_response_time",
    "resolution_time",
    "csat",
    "sla",
    "heatmap",
    "backlog",
    "agent_load",
)
RESOLVED_TICKETS = 3


@pytest.fixture(scope="module")
def reports_gateway(stack: Stack) -> Iterator[ServiceProcess]:
    """The analytics service (fresh database and consumer group) and a gateway pointed at it."""
    suffix = uuid.uuid4().hex[:8]
    analytics = ServiceProcess(
        "analytics",
        free_port(),
        {
            **stack.env,
            "DVIKA_MONGODB_DATABASE": f"dvika_console_reports_{suffix}",
            "DVIKA_ANALYTICS_CONSUMER_GROUP": f"dvika-analytics-console-{suffix}",
            "DVIKA_ANALYTICS_REFRESH_INTERVAL_S": "0.2",
        },
    )
    analytics.start()
    gateway = ServiceProcess(
        "gateway",
        free_port(),
        {
            **stack.env,
            "DVIKA_ANALYTICS_URL": analytics.url,
            # Its own projection group, so the stack's gateway keeps every partition.
            "DVIKA_PROJECTION_GROUP": f"dvika-gateway-console-reports-{suffix}",
        },
    )
    try:
        gateway.start()
        yield gateway
    finally:
        gateway.stop()
        analytics.stop()


@pytest.fixture
async def page(browser: Browser, reports_gateway: ServiceProcess) -> AsyncIterator[Page]:
    opened = await open_page(
        browser, reports_gateway.url, locale="en-US", timezone_id="UTC", accept_downloads=True
    )
    yield opened
    await opened.context.close()


@pytest.fixture
async def reports_api(reports_gateway: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway pointed at the analytics service (its tokens are its own: sign in there)."""
    async with httpx.AsyncClient(base_url=reports_gateway.url, timeout=20) as client:
        yield client


async def _token(client: httpx.AsyncClient, role: str) -> str:
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": f"{role}@demo.dvika.care", "password": DEMO_PASSWORD},
    )
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


async def _ok(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _seed(api: httpx.AsyncClient, tokens: dict[str, str], tag: str) -> None:
    """Resolved and rated tickets, and one left open and assigned to the agent."""
    agent = bearer(tokens["agent"])
    me = await _ok(await api.get("/api/v1/auth/me", headers=agent))
    for n in range(RESOLVED_TICKETS):
        created = await submit_ticket(api, subject=f"Reports {tag} #{n}")
        tid = created["id"]
        await _ok(
            await api.post(
                f"/api/v1/tickets/{tid}/reply",
                json={"from": "agent", "message": "Looking into it.", "internal": False},
                headers=agent,
            )
        )
        await _ok(
            await api.patch(
                f"/api/v1/tickets/{tid}/status", json={"status": "resolved"}, headers=agent
            )
        )
        rating = "good" if n else "bad"
        await _ok(
            await api.post(
                f"/api/v1/tickets/{tid}/rating",
                params={"token": created["tracking_token"]},
                json={"rating": rating, "comment": f"Rated {rating} {tag}"},
            )
        )
    still_open = await submit_ticket(api, subject=f"Reports {tag} open")
    await _ok(
        await api.patch(
            f"/api/v1/tickets/{still_open['id']}/assign",
            json={"assignee": me["id"]},
            headers=agent,
        )
    )


async def _wait_for_figures(api: httpx.AsyncClient, token: str) -> None:
    today = datetime.now(UTC).date().isoformat()

    async def rated_today() -> int | None:
        answer = await api.get(
            "/api/v1/reports/csat", params={"from": today, "to": today}, headers=bearer(token)
        )
        assert answer.status_code == 200, answer.text
        rows = answer.json()["rows"]
        rated = sum(row["rated"] for row in rows)
        return rated if rated >= RESOLVED_TICKETS else None

    await eventually(rated_today, timeout_s=60, what="the seeded ratings in the CSAT report")


async def test_the_manager_sees_every_report_charted_with_its_numbers_and_a_csv(
    page: Page,
    api: httpx.AsyncClient,
    reports_api: httpx.AsyncClient,
    staff_tokens: dict[str, str],
) -> None:
    tag = uuid.uuid4().hex[:6]
    await _seed(api, staff_tokens, tag)
    await _wait_for_figures(reports_api, await _token(reports_api, "manager"))

    await log_in(page, "manager", "/admin/reports")
    await expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    await expect(page.get_by_role("navigation", name="Console sections")).to_contain_text("Reports")
    for metric in METRICS:
        card = page.get_by_test_id(f"report-{metric}")
        await expect(card.get_by_test_id("report-chart").locator("svg").first).to_be_visible()
        table = card.get_by_test_id("report-table")
        await expect(table.locator("caption")).not_to_be_empty()
        rows = table.locator("tbody tr")
        await expect(rows.first).to_be_attached()
        assert await rows.count() > 0, metric
        await expect(card.get_by_test_id("report-error")).to_have_count(0)

    # Drawn with data: bars for the times, a line for volume, my ratings and comment.
    frt = page.get_by_test_id("report-first_response_time")
    await expect(frt.locator(".recharts-bar-rectangle").first).to_be_visible()
    volume = page.get_by_test_id("report-volume")
    await expect(volume.locator(".recharts-line-curve")).to_have_count(1)
    csat = page.get_by_test_id("report-csat")
    await expect(csat).to_contain_text(f"Rated good {tag}")
    load = page.get_by_test_id("report-agent_load")
    await expect(load.get_by_test_id("report-table")).to_contain_text("Agent")

    # The numbers can be shown on screen, and the CSV downloads with the server's file name.
    toggle = frt.get_by_role("button", name="Show the numbers")
    await toggle.click()
    await expect(frt.get_by_role("button", name="Hide the numbers")).to_have_attribute(
        "aria-expanded", "true"
    )
    await expect(frt.get_by_role("table")).to_be_visible()
    # The same times counted in the team's business hours: the API is asked with clock=business.
    async with page.expect_response(
        lambda r: "/api/v1/reports/first_response_time" in r.url and "clock=business" in r.url
    ) as business_info:
        await frt.get_by_label("Time counted").select_option("business")
    business = await business_info.value
    assert business.status == 200
    assert (await business.json())["clock"] == "business"
    await expect(frt.get_by_role("table").locator("caption")).to_contain_text("Business hours")
    await expect(frt.get_by_role("table").locator("tbody tr").first).to_be_attached()
    await frt.get_by_label("Time counted").select_option("calendar")
    await expect(frt.get_by_role("table").locator("caption")).to_contain_text("Calendar time")
    async with page.expect_download() as download_info:
        await volume.get_by_test_id("report-csv").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("volume_"), download.suggested_filename
    csv_path = await download.path()
    assert csv_path.read_text(encoding="utf-8").startswith("period,group,count")

    # A range with "from" after "to" asks for a fix and sends nothing.
    await page.get_by_label("From", exact=True).fill("2026-12-31")
    await page.get_by_label("To", exact=True).fill("2026-01-01")
    await expect(page.get_by_role("alert").filter(has_text="must not be after")).to_be_visible()
    await page.get_by_role("button", name="Last 30 days").click()
    await expect(page.get_by_test_id("report-volume")).to_be_visible()
    await expect(page.get_by_test_id("report-csat")).to_contain_text(f"Rated good {tag}")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    # The cards came back with the valid range: tables hidden again, charts drawn.
    await expect(frt.get_by_role("button", name="Show the numbers")).to_be_visible()
    await expect(frt.locator(".recharts-bar-rectangle").first).to_be_visible()
    await page.screenshot(path=SCREENSHOT, full_page=True)


async def test_an_agent_is_politely_refused_the_reports(
    page: Page, staff_tokens: dict[str, str]
) -> None:
    await log_in(page, "agent", "/admin/reports")
    refusal = page.get_by_test_id("reports-forbidden")
    await expect(refusal).to_contain_text("open to managers and admins")
    await expect(page.get_by_test_id("report-volume")).to_have_count(0)
    await expect(page.get_by_role("navigation", name="Console sections")).not_to_contain_text(
        "Reports"
    )
