"""The console's SLA countdown, availability switch and time zones, in a real Chromium (Debian's).

The `stack` fixture runs only the tickets service and the gateway, so these tests play the SLA
service themselves: they produce its commands (SetSlaClocks, RecordSlaWarning, RecordSlaBreach)
straight onto the ticket commands topic, as automation does (no `reply_to`), and the tickets
service turns them into the events the read model and the console show.

Browser fixtures and helpers: e2e.conftest_browser.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import Browser, Page, expect

from conftest import Stack, bearer
from contracts.base import Command
from contracts.commands import (
    AutoAssignTicket,
    RecordSlaBreach,
    RecordSlaWarning,
    RouteTicket,
    SetSlaClocks,
)
from contracts.envelopes import CommandEnvelope
from contracts.topics import TICKET_COMMANDS
from contracts.values import Actor, SlaClock, SlaTarget
from e2e.conftest_browser import log_in, new_context, screenshot, serious_axe_violations
from support.kafka_tools import producer, send_command
from support.waiting import eventually

pytest_plugins = ["e2e.conftest_browser"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]

SLA_ACTOR = Actor(kind="system", id="sla")


@pytest.fixture
async def kafka(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    made = await producer(kafka_bootstrap)
    yield made
    await made.stop()


async def _submit(client: httpx.AsyncClient, subject: str) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/tickets",
        json={
            "customer": {"name": "Sla Customer", "email": "sla.customer@example.com"},
            "subject": subject,
            "message": "Submitted for the SLA console test.",
        },
    )
    assert created.status_code == 201, created.text
    ticket: dict[str, Any] = created.json()
    return ticket


async def _command(kafka: AIOKafkaProducer, ticket_id: str, command: Command) -> None:
    """A command as the SLA service sends it: fire-and-forget, with a stable id."""
    command_id = uuid.uuid5(uuid.UUID(ticket_id), f"test:{command.TYPE}:{command!r}")
    envelope = CommandEnvelope(
        command_id=command_id,
        type=command.TYPE,
        schema_version=command.SCHEMA_VERSION,
        ticket_id=uuid.UUID(ticket_id),
        issued_at=datetime.now(UTC),
        actor=SLA_ACTOR,
        correlation_id=command_id,
        payload=command.model_dump(mode="json"),
    )
    await send_command(kafka, TICKET_COMMANDS.name, envelope)


def _clock(target: SlaTarget, due_at: datetime, minutes: int, policy: str = "P3") -> SlaClock:
    return SlaClock(
        target=target,
        policy=policy,
        target_minutes=minutes,
        business_hours=False,
        due_at=due_at,
    )


async def _read_until(
    client: httpx.AsyncClient, ticket_id: str, token: str, what: str, ready: Any
) -> dict[str, Any]:
    """The ticket as the API serves it, once `ready(ticket)` holds."""

    async def probe() -> dict[str, Any] | None:
        read = await client.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
        if read.status_code == 404:  # the read model has not seen the submission yet
            return None
        assert read.status_code == 200, read.text
        ticket: dict[str, Any] = read.json()
        return ticket if ready(ticket) else None

    return await eventually(probe, timeout_s=30, what=what, interval_s=0.2)


def _clock_state(ticket: dict[str, Any], target: str) -> str | None:
    clock = (ticket.get("sla") or {}).get(target)
    return clock["state"] if clock else None


async def _api_available(client: httpx.AsyncClient, token: str) -> bool:
    me = await client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    available: bool = me.json()["available"]
    return available


async def test_the_availability_switch_calls_the_api_and_survives_a_reload(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    token = staff_tokens["agent"]
    before = await _api_available(api, token)

    await log_in(page, "agent")
    switch = page.get_by_role("switch", name="Available for new tickets")
    await expect(switch).to_be_visible()
    if before:
        await expect(switch).to_be_checked()
    else:
        await expect(switch).not_to_be_checked()

    # Once with the mouse on its label, once from the keyboard (Space on the focused switch).
    for wanted, by_keyboard in ((not before, False), (before, True)):
        if by_keyboard:
            await switch.focus()
            await page.keyboard.press("Space")
        else:
            await page.get_by_text("Available for new tickets").click()
        state = page.get_by_test_id("availability-state")
        await expect(state).to_have_text("Available" if wanted else "Away")

        async def api_agrees(wanted: bool = wanted) -> bool:
            return await _api_available(api, token) == wanted

        await eventually(api_agrees, timeout_s=10, what=f"GET /me says available={wanted}")
        # The state comes back from the server after a reload, not from the page's memory.
        await page.reload()
        switch = page.get_by_role("switch", name="Available for new tickets")
        if wanted:
            await expect(switch).to_be_checked()
        else:
            await expect(switch).not_to_be_checked()
        await expect(page.get_by_test_id("availability-state")).to_have_text(
            "Available" if wanted else "Away"
        )
        if not wanted:
            await screenshot(page, "console-availability-away")


async def test_the_availability_api_refuses_bad_input_and_strangers(
    api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    bad = await api.put("/api/v1/me/availability", json={"available": "maybe"}, headers=agent)
    assert bad.status_code == 422, bad.text
    anonymous = await api.put("/api/v1/me/availability", json={"available": True})
    assert anonymous.status_code == 401, anonymous.text


async def test_the_panel_counts_down_each_sla_target_with_its_cue(
    page: Page,
    api: httpx.AsyncClient,
    kafka: AIOKafkaProducer,
    staff_tokens: dict[str, str],
) -> None:
    agent = staff_tokens["agent"]
    word = f"slacue{uuid.uuid4().hex[:6]}"
    later = await _submit(api, f"Resolution later {word}")
    soon = await _submit(api, f"Answer soon {word}")
    now = datetime.now(UTC)
    first_due = now + timedelta(minutes=20)
    await _command(
        kafka,
        soon["id"],
        SetSlaClocks(
            clocks=(
                _clock("first_response", first_due, 60),
                _clock("resolution", now + timedelta(hours=8), 480),
            )
        ),
    )
    await _command(kafka, soon["id"], RecordSlaWarning(target="first_response", due_at=first_due))
    await _command(
        kafka,
        later["id"],
        SetSlaClocks(clocks=(_clock("first_response", now + timedelta(hours=3), 240),)),
    )
    await _read_until(
        api,
        soon["id"],
        agent,
        "the warning in the read model",
        lambda t: _clock_state(t, "first_response") == "at_risk",
    )
    await _read_until(
        api,
        later["id"],
        agent,
        "the clocks in the read model",
        lambda t: _clock_state(t, "first_response") == "ok",
    )

    await log_in(page, "agent")
    await page.goto(f"/admin?ticket={soon['id']}")
    panel = page.get_by_test_id("detail-panel")
    first = panel.get_by_test_id("sla-first_response")
    await expect(first).to_have_attribute("data-state", "at_risk")
    await expect(first.get_by_test_id("sla-state")).to_have_text("At risk")
    countdown = first.get_by_test_id("sla-countdown")
    await expect(countdown).to_have_text(re.compile(r"^(1\d|20)m \d\ds left$"))
    # It ticks by itself: the text changes within a couple of seconds, with no reload.
    shown = await countdown.inner_text()
    await expect(countdown).not_to_have_text(shown, timeout=3000)
    resolution = panel.get_by_test_id("sla-resolution")
    await expect(resolution).to_have_attribute("data-state", "ok")
    await expect(resolution).to_contain_text("On track")
    await expect(resolution.get_by_test_id("sla-countdown")).to_have_text(
        re.compile(r"^7h \d\dm \d\ds left$")
    )
    await expect(resolution).to_contain_text("Policy P3")
    await panel.get_by_test_id("sla-block").scroll_into_view_if_needed()
    await screenshot(page, "console-sla-countdown")
    assert await serious_axe_violations(page) == []

    # The history says it in words.
    await panel.get_by_text("History", exact=True).click()
    warning = panel.locator('li[data-type="ticket.sla_warning_issued"]')
    await expect(warning).to_contain_text("SLA warning")
    await expect(warning).to_contain_text("First response at risk")
    await expect(panel.locator('li[data-type="ticket.sla_clocks_set"]')).to_contain_text(
        "Resolution due"
    )

    # In Hindi too.
    await page.get_by_label("Language").select_option("hi")
    await expect(first.get_by_test_id("sla-state")).to_have_text("जोखिम में")
    await expect(first.get_by_test_id("sla-countdown")).to_contain_text("बाकी")


async def test_the_table_shows_sla_cues_sorts_by_due_time_and_lists_breaches(
    page: Page,
    api: httpx.AsyncClient,
    kafka: AIOKafkaProducer,
    staff_tokens: dict[str, str],
) -> None:
    manager = staff_tokens["manager"]
    word = f"slarow{uuid.uuid4().hex[:6]}"
    later = await _submit(api, f"Due later {word}")
    soon = await _submit(api, f"Due soon {word}")
    missed = await _submit(api, f"Missed {word}")
    plain = await _submit(api, f"No clocks {word}")
    now = datetime.now(UTC)
    soon_due = now + timedelta(minutes=25)
    missed_due = now - timedelta(minutes=5)
    await _command(
        kafka,
        later["id"],
        SetSlaClocks(clocks=(_clock("first_response", now + timedelta(hours=5), 480),)),
    )
    await _command(
        kafka, soon["id"], SetSlaClocks(clocks=(_clock("first_response", soon_due, 60),))
    )
    await _command(kafka, soon["id"], RecordSlaWarning(target="first_response", due_at=soon_due))
    await _command(
        kafka, missed["id"], SetSlaClocks(clocks=(_clock("first_response", missed_due, 30),))
    )
    await _command(
        kafka,
        missed["id"],
        RecordSlaBreach(target="first_response", due_at=missed_due, escalate=False),
    )
    await _read_until(api, later["id"], manager, "the later clock", lambda t: t.get("sla_due"))
    await _read_until(
        api,
        soon["id"],
        manager,
        "the warning",
        lambda t: _clock_state(t, "first_response") == "at_risk",
    )
    breached = await _read_until(
        api, missed["id"], manager, "the breach", lambda t: t.get("sla_breached")
    )
    assert breached["sla_due"] is not None

    await log_in(page, "manager")
    await page.goto(f"/admin?view=all&q={word}&sort=sla_due")
    rows = page.locator("tbody tr[data-ticket-id]")
    # Soonest first; a ticket without clocks last.
    await expect(rows).to_have_count(4)
    order = [await rows.nth(i).get_attribute("data-ticket-id") for i in range(4)]
    assert order == [missed["id"], soon["id"], later["id"], plain["id"]]
    await expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("SLA due")
    cues = {
        missed["id"]: ("breached", "Breached"),
        soon["id"]: ("at_risk", "At risk"),
        later["id"]: ("ok", "On track"),
    }
    for ticket_id, (state, words) in cues.items():
        cell = page.locator(f'tr[data-ticket-id="{ticket_id}"]').get_by_test_id("row-sla")
        await expect(cell).to_have_attribute("data-state", state)
        await expect(cell).to_contain_text(words)
    soon_cell = page.locator(f'tr[data-ticket-id="{soon["id"]}"]').get_by_test_id("row-sla")
    await expect(soon_cell).to_contain_text(re.compile(r"in 2[0-5] minutes"))
    await expect(
        page.locator(f'tr[data-ticket-id="{plain["id"]}"]').get_by_test_id("row-sla")
    ).to_have_count(0)
    await screenshot(page, "console-sla-table")
    assert await serious_axe_violations(page) == []

    # The SLA Breaches view lists the missed one only.
    await page.locator('[data-view="sla_breaches"]').click()
    await expect(page).to_have_url(re.compile(r"view=sla_breaches"))
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-ticket-id", missed["id"])


async def test_sla_times_show_in_the_viewer_s_time_zone(
    browser: Browser,
    stack: Stack,
    api: httpx.AsyncClient,
    kafka: AIOKafkaProducer,
    staff_tokens: dict[str, str],
) -> None:
    ticket = await _submit(api, f"Time zones {uuid.uuid4().hex[:6]}")
    # A whole hour in UTC: 30 minutes past in Kolkata (UTC+5:30), on the hour in New York.
    due = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    await _command(kafka, ticket["id"], SetSlaClocks(clocks=(_clock("resolution", due, 2880),)))
    await _read_until(
        api, ticket["id"], staff_tokens["agent"], "the clock", lambda t: t.get("sla_due")
    )

    shown: dict[str, str] = {}
    for zone in ("Asia/Kolkata", "America/New_York"):
        context = await new_context(browser, stack.url, locale="en-US", timezone_id=zone)
        try:
            viewer = await context.new_page()
            await log_in(viewer, "agent")
            await viewer.goto(f"/admin?ticket={ticket['id']}")
            due_text = viewer.get_by_test_id("detail-panel").get_by_test_id("sla-due")
            local = due.astimezone(ZoneInfo(zone))
            expected = local.strftime("%-I:%M %p")  # en-US, as Intl writes it
            await expect(due_text).to_contain_text(expected)
            await expect(due_text).to_contain_text(local.strftime("%b %-d, %Y"))
            shown[zone] = await due_text.inner_text()
        finally:
            await context.close()
    assert shown["Asia/Kolkata"] != shown["America/New_York"]
    assert ":30" in shown["Asia/Kolkata"]
    assert ":00" in shown["America/New_York"]


async def test_the_panel_says_why_routing_placed_the_ticket(
    page: Page,
    api: httpx.AsyncClient,
    kafka: AIOKafkaProducer,
    staff_tokens: dict[str, str],
) -> None:
    agent = staff_tokens["agent"]
    me = await api.get("/api/v1/me", headers=bearer(agent))
    assert me.status_code == 200, me.text
    agent_id = me.json()["id"]
    ticket = await _submit(api, f"Please refund my order {uuid.uuid4().hex[:6]}")
    await _command(
        kafka,
        ticket["id"],
        RouteTicket(queue="billing", rule="billing", matched="refund", tags=("billing",)),
    )
    await _command(
        kafka,
        ticket["id"],
        AutoAssignTicket(assignee=agent_id, queue="billing", strategy="load_based"),
    )
    routed = await _read_until(
        api,
        ticket["id"],
        agent,
        "the routing decision and the assignment",
        lambda t: (t.get("routing") or {}).get("assignee") == agent_id,
    )
    assert routed["queue"] == "billing"

    # Assigned to the agent: it is in their own view, with its queue.
    await log_in(page, "agent")
    row = page.locator(f'tr[data-ticket-id="{ticket["id"]}"]')
    await expect(row).to_contain_text("Billing")
    await row.get_by_role("button", name=ticket["reference"]).click()
    why = page.get_by_test_id("detail-panel").get_by_test_id("routing-why")
    await expect(why.get_by_test_id("routing-rule")).to_have_text("billing")
    await expect(why.get_by_test_id("routing-matched")).to_have_text("“refund”")
    await expect(why.get_by_test_id("routing-queue")).to_have_text("Billing")
    strategy = why.get_by_test_id("routing-strategy")
    await expect(strategy).to_have_attribute("data-strategy", "load_based")
    await expect(strategy).to_contain_text(f"{agent_id}, automatically (load based")
    await expect(strategy).not_to_contain_text("reassigned")

    panel = page.get_by_test_id("detail-panel")
    await panel.get_by_text("History", exact=True).click()
    await expect(panel.locator('li[data-type="ticket.routed"]')).to_contain_text(
        "Routed to queue billing by rule billing (matched “refund”)"
    )
    await expect(panel.locator('li[data-type="ticket.auto_assigned"]')).to_contain_text(
        "Assigned automatically"
    )
    await why.scroll_into_view_if_needed()
    await screenshot(page, "console-routing-why")
