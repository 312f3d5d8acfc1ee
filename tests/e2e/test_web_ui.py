"""The web UI in a real Chromium (Debian's): the customer portal and the agent console, live.

The gateway of the `stack` fixture serves `web/dist` (built here by `make ui` when stale) at
`/support` and `/admin`; the tests drive it with Playwright and act as the other side over the
HTTP API, so every live update is checked without a reload.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from conftest import Stack, bearer
from e2e.conftest_browser import log_in, new_context, open_page, screenshot, serious_axe_violations

pytest_plugins = ["e2e.conftest_browser"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]


@pytest.fixture
async def second_page(browser: Browser, stack: Stack) -> AsyncIterator[Page]:
    """Another person's page beside `page` (a browser profile of its own)."""
    opened = await open_page(browser, stack.url, locale="en-US")
    yield opened
    await opened.context.close()


async def _submit_over_api(client: httpx.AsyncClient, subject: str, **extra: Any) -> dict[str, Any]:
    body = {
        "customer": {"name": "Api Customer", "email": "api.customer@example.com"},
        "subject": subject,
        "message": "Submitted over the API for the console test.",
        **extra,
    }
    created = await client.post("/api/v1/tickets", json=body)
    assert created.status_code == 201, created.text
    ticket: dict[str, Any] = created.json()
    return ticket


async def _wait_readable(client: httpx.AsyncClient, ticket: dict[str, Any], token: str) -> None:
    """Until the read model has the ticket (the list reads it, not the command's reply)."""
    read = await client.get(
        f"/api/v1/tickets/{ticket['id']}?min_version={ticket['version']}", headers=bearer(token)
    )
    assert read.status_code == 200, read.text


async def _log_in(page: Page, role: str) -> None:
    """Signed in on the console, its live connection up."""
    await log_in(page, role)
    await expect(page.get_by_test_id("live-state").first).to_have_attribute("data-state", "live")


def _row(page: Page, ticket_id: str) -> Any:
    return page.locator(f'tr[data-ticket-id="{ticket_id}"]')


async def test_customer_submits_tracks_and_sees_agent_replies_live(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    await page.goto("/support")
    await expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()

    # The form says what is wrong next to each field, first by itself, then with the API's 422.
    await page.get_by_role("button", name="Submit request").click()
    await expect(page.get_by_text("Please enter your name.")).to_be_visible()
    await expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Your name").fill("Ada Lovelace")
    await page.get_by_label("Email").fill("ada@example.invalid")
    await page.get_by_label("Phone (optional)").fill("+44 20 7946 0000")
    await page.get_by_label("Category").select_option("billing")
    await page.get_by_label("Priority").select_option("P2")
    subject = f"Charged twice {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Subject").fill(subject)
    await page.get_by_label("Message").fill("My card was charged twice for March.")
    await page.get_by_role("button", name="Submit request").click()
    await expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("special-use or reserved name")).to_be_visible()

    await page.get_by_label("Email").fill("ada@example.com")
    await page.get_by_role("button", name="Submit request").click()
    reference = page.get_by_test_id("ticket-reference")
    await expect(reference).to_have_text(re.compile(r"^DVK-\d+$"))
    ticket_reference = await reference.inner_text()
    await screenshot(page, "portal-submitted")
    await expect(page.get_by_test_id("tracking-link-text")).to_contain_text(
        f"/support/track/{ticket_reference}?token="
    )

    await page.get_by_role("link", name="Track your ticket").click()
    await expect(page).to_have_url(re.compile(rf"/support/track/{ticket_reference}\?token="))
    await expect(page.get_by_test_id("track-reference")).to_have_text(ticket_reference)
    await expect(page.get_by_role("heading", name=subject)).to_be_visible()
    await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")

    # The agent answers over the API: the reply and the new status show up without a reload.
    agent = bearer(staff_tokens["agent"])
    found = await api.get(f"/api/v1/tickets/{ticket_reference}", headers=agent)
    ticket_id = found.json()["id"]
    note = await api.post(
        f"/api/v1/tickets/{ticket_id}/reply",
        json={"from": "agent", "message": "Secret note: refund approved", "internal": True},
        headers=agent,
    )
    assert note.status_code == 201, note.text
    reply = await api.post(
        f"/api/v1/tickets/{ticket_id}/reply",
        json={"from": "agent", "message": "We refunded the second charge."},
        headers=agent,
    )
    assert reply.status_code == 201, reply.text
    await expect(page.get_by_text("We refunded the second charge.")).to_be_visible()
    status = await api.patch(
        f"/api/v1/tickets/{ticket_id}/status", json={"status": "in_progress"}, headers=agent
    )
    assert status.status_code == 200, status.text
    await expect(page.get_by_test_id("track-status")).to_contain_text("In progress")
    await expect(page.get_by_text("Secret note")).to_have_count(0)
    await screenshot(page, "portal-track")

    # The customer answers from the page.
    await page.get_by_label("Your reply").fill("Thank you, I see it now.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.get_by_text("Thank you, I see it now.")).to_be_visible()


async def test_agent_console_shows_new_tickets_live_and_works_one(
    page: Page,
    second_page: Page,
    api: httpx.AsyncClient,
    staff_tokens: dict[str, str],
) -> None:
    manager = staff_tokens["manager"]
    existing = await _submit_over_api(api, f"Existing ticket {uuid.uuid4().hex[:6]}")
    await _wait_readable(api, existing, manager)

    await _log_in(page, "manager")
    await expect(page.locator('[data-view="all"][aria-current="page"]')).to_be_visible()
    await expect(_row(page, existing["id"])).to_be_visible()
    await expect(_row(page, existing["id"])).to_contain_text(existing["reference"])

    # A ticket submitted while the console is open appears without a reload, highlighted.
    fresh = await _submit_over_api(api, f"Arrived live {uuid.uuid4().hex[:6]}")
    fresh_row = _row(page, fresh["id"])
    await expect(fresh_row).to_be_visible()
    await expect(fresh_row).to_have_attribute("data-highlighted", "true")
    await screenshot(page, "console-live-arrival")

    # The customer follows the same ticket in another browser.
    await second_page.goto(f"/support/track/{fresh['reference']}?token={fresh['tracking_token']}")
    await expect(second_page.get_by_test_id("track-reference")).to_have_text(fresh["reference"])

    # The panel: an internal note stays internal, and the status changes.
    await fresh_row.get_by_role("button", name=fresh["reference"]).click()
    panel = page.get_by_test_id("detail-panel")
    await expect(panel).to_be_visible()
    await expect(panel.get_by_text("Submitted over the API for the console test.")).to_be_visible()
    await panel.get_by_role("switch").check()
    await panel.get_by_label("Internal note", exact=True).fill("Internal: customer is a VIP")
    await panel.get_by_role("button", name="Add note").click()
    note = panel.locator('[data-kind="note"]')
    await expect(note).to_contain_text("Internal: customer is a VIP")

    await panel.get_by_label("New status").select_option("open")
    await panel.get_by_role("button", name="Change status").click()
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("Open")
    await expect(fresh_row).to_contain_text("Open")
    await expect(second_page.get_by_test_id("track-status")).to_contain_text("Open")

    # A public reply reaches the customer; the note never does.
    await panel.get_by_role("switch").uncheck()
    await panel.get_by_label("Reply to the customer").fill("We are on it.")
    await panel.get_by_role("button", name="Send reply").click()
    await expect(second_page.get_by_text("We are on it.")).to_be_visible()
    await expect(second_page.get_by_text("customer is a VIP")).to_have_count(0)
    await screenshot(page, "console-panel")

    # Esc closes the panel.
    await page.keyboard.press("Escape")
    await expect(panel).to_have_count(0)


async def test_an_invalid_transition_shows_the_reason(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    manager = staff_tokens["manager"]
    ticket = await _submit_over_api(api, f"Resolved already {uuid.uuid4().hex[:6]}")
    resolved = await api.patch(
        f"/api/v1/tickets/{ticket['id']}/status",
        json={"status": "resolved"},
        headers=bearer(manager),
    )
    assert resolved.status_code == 200, resolved.text
    await _wait_readable(api, {**ticket, "version": resolved.json()["version"]}, manager)

    await _log_in(page, "manager")
    await page.goto(f"/admin?ticket={ticket['id']}")
    panel = page.get_by_test_id("detail-panel")
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("Resolved")
    await panel.get_by_label("New status").select_option("on_hold")
    await panel.get_by_role("button", name="Change status").click()
    await expect(panel.get_by_test_id("status-error")).to_contain_text(
        "cannot go from resolved to on_hold"
    )
    await screenshot(page, "console-409")
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("Resolved")


async def test_filters_live_in_the_url_and_survive_a_reload(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    manager = staff_tokens["manager"]
    word = f"zebra{uuid.uuid4().hex[:8]}"
    urgent = await _submit_over_api(api, f"Urgent {word}", priority="P1")
    normal = await _submit_over_api(api, f"Normal {word}", priority="P3")
    for ticket in (urgent, normal):
        await _wait_readable(api, ticket, manager)

    await _log_in(page, "manager")
    search = page.get_by_label("Search")
    await search.fill(word)
    await search.press("Enter")
    await expect(_row(page, urgent["id"])).to_be_visible()
    await expect(_row(page, normal["id"])).to_be_visible()
    await page.get_by_label("Priority").select_option("P1")
    await expect(_row(page, normal["id"])).to_have_count(0)
    await expect(_row(page, urgent["id"])).to_be_visible()
    await expect(page).to_have_url(re.compile(r"[?&]priority=P1(&|$)"))
    await expect(page).to_have_url(re.compile(rf"[?&]q={word}(&|$)"))

    await page.reload()
    await expect(page.get_by_label("Priority")).to_have_value("P1")
    await expect(page.get_by_label("Search")).to_have_value(word)
    await expect(_row(page, urgent["id"])).to_be_visible()
    await expect(_row(page, normal["id"])).to_have_count(0)
    await expect(page.locator("tbody tr[data-ticket-id]")).to_have_count(1)


async def test_cursor_pages_match_the_api_and_the_keyboard_opens_tickets(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    manager = staff_tokens["manager"]
    word = f"paging{uuid.uuid4().hex[:8]}"
    for n in range(3):
        await _wait_readable(api, await _submit_over_api(api, f"Page {n} {word}"), manager)
    listed = await api.get(
        "/api/v1/tickets",
        params={"view": "all", "q": word, "limit": 2},
        headers=bearer(manager),
    )
    first_page = listed.json()
    second_page = (
        await api.get(
            "/api/v1/tickets",
            params={"view": "all", "q": word, "limit": 2, "cursor": first_page["next_cursor"]},
            headers=bearer(manager),
        )
    ).json()

    await _log_in(page, "manager")
    await page.goto(f"/admin?view=all&q={word}&limit=2")
    rows = page.locator("tbody tr[data-ticket-id]")

    async def shown_ids() -> list[str]:
        return [await row.get_attribute("data-ticket-id") or "" for row in await rows.all()]

    first_ids = [t["id"] for t in first_page["items"]]
    await expect(rows).to_have_count(len(first_ids))
    assert await shown_ids() == first_ids
    await page.get_by_role("button", name="Next").click()
    await expect(page.get_by_test_id("page-number")).to_contain_text("Page 2")
    await expect(rows).to_have_count(len(second_page["items"]))
    assert await shown_ids() == [t["id"] for t in second_page["items"]]
    await expect(page.get_by_role("button", name="Next")).to_be_disabled()
    await page.get_by_role("button", name="Previous").click()
    await expect(page.get_by_test_id("page-number")).to_contain_text("Page 1")
    await expect(rows.first).to_have_attribute("data-ticket-id", first_ids[0])

    # Keyboard: arrow down to the second ticket, Enter opens it, Esc closes it.
    await rows.first.locator("button[data-row-button]").focus()
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    panel = page.get_by_test_id("detail-panel")
    await expect(panel).to_contain_text(first_page["items"][1]["reference"])
    await page.keyboard.press("Escape")
    await expect(panel).to_have_count(0)


async def test_an_agent_sees_only_the_views_of_the_role(
    page: Page, staff_tokens: dict[str, str]
) -> None:
    await _log_in(page, "agent")
    await expect(page.locator('[data-view="my_open"]')).to_be_visible()
    for view in ("all", "sla_breaches", "escalations"):
        await expect(page.locator(f'[data-view="{view}"]')).to_have_count(0)
    await page.goto("/admin?view=all")
    await expect(page.get_by_role("alert")).to_contain_text("not open to your role")
    await page.get_by_role("button", name="Show my default view").click()
    await expect(page.locator('[data-view="my_open"][aria-current="page"]')).to_be_visible()


async def test_markup_in_messages_stays_inert(
    page: Page, second_page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    attack = '<img src=x onerror="window.__xss=1"> <a href="javascript:window.__xss=2">click</a>'
    ticket = await _submit_over_api(api, "Markup <b>inside</b>", message=attack)
    await _wait_readable(api, ticket, staff_tokens["manager"])

    await page.goto(f"/support/track/{ticket['reference']}?token={ticket['tracking_token']}")
    await expect(page.get_by_text(attack)).to_be_visible()
    await expect(page.get_by_role("heading", name="Markup <b>inside</b>")).to_be_visible()

    await _log_in(second_page, "manager")
    await second_page.goto(f"/admin?ticket={ticket['id']}")
    await expect(second_page.get_by_test_id("detail-panel").get_by_text(attack)).to_be_visible()

    for seen in (page, second_page):
        assert await seen.evaluate("() => window.__xss === undefined")
        await expect(seen.locator("main img, aside img")).to_have_count(0)
        await expect(seen.locator('a[href^="javascript:"]')).to_have_count(0)


async def test_axe_finds_no_serious_violation(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    ticket = await _submit_over_api(api, f"Accessible {uuid.uuid4().hex[:6]}")
    await _wait_readable(api, ticket, staff_tokens["manager"])
    found: dict[str, list[str]] = {}

    await page.goto("/support")
    await page.get_by_role("button", name="Submit request").click()  # with its errors shown
    await expect(page.get_by_text("Please enter your name.")).to_be_visible()
    found["submit"] = await serious_axe_violations(page)
    await page.goto(f"/support/track/{ticket['reference']}?token={ticket['tracking_token']}")
    await expect(page.get_by_test_id("track-reference")).to_be_visible()
    found["track"] = await serious_axe_violations(page)
    await page.goto("/admin")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    found["login"] = await serious_axe_violations(page)
    await _log_in(page, "manager")
    await page.goto(f"/admin?ticket={ticket['id']}")
    await expect(page.get_by_test_id("detail-panel")).to_contain_text(ticket["reference"])
    found["console"] = await serious_axe_violations(page)

    # On a phone: the panel takes the whole width; the portal's form one column.
    await page.set_viewport_size({"width": 390, "height": 844})
    await screenshot(page, "console-phone")
    await page.goto("/support")
    await expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    await screenshot(page, "portal-phone")

    assert found == {"submit": [], "track": [], "login": [], "console": []}


async def test_a_reply_to_a_ticket_that_changed_meanwhile_warns_first(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    ticket = await _submit_over_api(api, f"Changing {uuid.uuid4().hex[:6]}")
    await _wait_readable(api, ticket, staff_tokens["manager"])
    await _log_in(page, "manager")
    await page.goto(f"/admin?ticket={ticket['id']}")
    panel = page.get_by_test_id("detail-panel")
    await panel.get_by_label("Canned response").select_option("Acknowledge")
    draft = panel.get_by_label("Reply to the customer")
    await expect(draft).to_have_value(re.compile("Thank you for reaching out"))

    customer = await api.post(
        f"/api/v1/tickets/{ticket['id']}/reply",
        json={"from": "customer", "message": "Never mind, found it myself."},
        headers={"X-Tracking-Token": ticket["tracking_token"]},
    )
    assert customer.status_code == 201, customer.text
    await expect(panel.get_by_text("Never mind, found it myself.")).to_be_visible()

    await panel.get_by_role("button", name="Send reply").click()
    await expect(panel.get_by_test_id("stale-draft-warning")).to_contain_text("1 new message")
    await panel.get_by_role("button", name="Send anyway").click()
    await expect(panel.locator('[data-kind="agent"]')).to_contain_text("Thank you for reaching out")
    await expect(panel.get_by_test_id("stale-draft-warning")).to_have_count(0)


async def test_the_language_comes_from_the_browser_and_can_be_switched(
    browser: Browser, stack: Stack, page: Page
) -> None:
    await page.goto("/support")
    await expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    await page.get_by_label("Language").select_option("hi")
    await expect(page.get_by_role("heading", name="हम आपकी कैसे मदद कर सकते हैं?")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "hi")
    await page.reload()
    await expect(page.get_by_role("button", name="अनुरोध भेजें")).to_be_visible()
    await screenshot(page, "portal-hindi")

    hindi_browser = await browser.new_context(base_url=stack.url, locale="hi-IN")
    try:
        hindi_page = await hindi_browser.new_page()
        await hindi_page.goto("/admin")
        await expect(hindi_page.get_by_role("heading", name="एजेंट कंसोल")).to_be_visible()
    finally:
        await hindi_browser.close()


async def test_a_duplicate_merges_into_another_ticket_from_the_panel(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    manager = staff_tokens["manager"]
    original = await _submit_over_api(api, f"Original {uuid.uuid4().hex[:6]}")
    duplicate = await _submit_over_api(
        api, f"Duplicate {uuid.uuid4().hex[:6]}", message="Same problem, written twice."
    )
    for ticket in (original, duplicate):
        await _wait_readable(api, ticket, manager)

    await _log_in(page, "manager")
    await page.goto(f"/admin?ticket={duplicate['id']}")
    panel = page.get_by_test_id("detail-panel")
    await panel.get_by_label("Merge into (reference)").fill(original["reference"])
    await panel.get_by_role("button", name="Merge this ticket").click()
    await expect(panel.get_by_test_id("merged-into")).to_contain_text(original["reference"])
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("Closed")

    await panel.get_by_test_id("merged-into").get_by_role("button").click()
    await expect(panel).to_contain_text(original["reference"])
    await expect(panel.get_by_text("Same problem, written twice.")).to_be_visible()
    await expect(panel.get_by_text(f"from {duplicate['reference']}", exact=True)).to_be_visible()


async def test_the_lookup_form_finds_a_ticket_by_reference_and_token(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    ticket = await _submit_over_api(api, f"Looked up {uuid.uuid4().hex[:6]}")
    await _wait_readable(api, ticket, staff_tokens["manager"])

    await page.goto("/support/track")
    await page.get_by_label("Ticket reference").fill(ticket["reference"])
    await page.get_by_label("Tracking token").fill("not-the-token")
    await page.get_by_role("button", name="Show my ticket").click()
    await expect(page.get_by_role("alert")).to_contain_text("could not find a ticket")

    await page.goto("/support/track")
    await page.get_by_role("button", name="Show my ticket").click()
    await expect(page.get_by_text("A reference looks like DVK-1004.")).to_be_visible()
    await page.get_by_label("Ticket reference").fill(ticket["reference"].lower())
    await page.get_by_label("Tracking token").fill(ticket["tracking_token"])
    await page.get_by_role("button", name="Show my ticket").click()
    await expect(page.get_by_test_id("track-reference")).to_have_text(ticket["reference"])


async def test_two_agents_on_one_ticket_see_each_other_and_typing_within_a_second(
    page: Page, second_page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    ticket = await _submit_over_api(api, f"Together {uuid.uuid4().hex[:6]}")
    await _wait_readable(api, ticket, staff_tokens["manager"])
    agent, manager = page, second_page
    await _log_in(agent, "agent")
    await _log_in(manager, "manager")
    for console in (agent, manager):
        await console.goto(f"/admin?ticket={ticket['id']}")
        await expect(console.get_by_test_id("detail-panel")).to_contain_text(ticket["reference"])
    agent_strip = agent.get_by_test_id("presence-strip")
    manager_strip = manager.get_by_test_id("presence-strip")

    # Each sees the other, not themselves; the manager's table marks the ticket too.
    await expect(agent_strip).to_contain_text("Demo Manager is viewing")
    await expect(manager_strip).to_contain_text("Demo Agent is viewing")
    await expect(agent_strip).not_to_contain_text("Demo Agent")
    await expect(manager_strip).not_to_contain_text("Demo Manager")
    await expect(manager_strip).to_have_attribute("aria-live", "polite")
    await expect(_row(manager, ticket["id"]).get_by_test_id("row-presence")).to_contain_text(
        "Demo Agent"
    )

    # Typing in one composer shows in the other panel within a second.
    composer = agent.get_by_test_id("detail-panel").get_by_label("Reply to the customer")
    await composer.press_sequentially("Looking into it")
    await expect(manager_strip).to_contain_text("Demo Agent is typing", timeout=1000)
    await screenshot(manager, "console-presence")
    assert await serious_axe_violations(manager) == []
    # Typing expires a few seconds after the last keystroke; viewing stays.
    await expect(manager_strip).to_contain_text("Demo Agent is viewing", timeout=10_000)

    # Closing the panel says "left": the other panel drops the agent at once.
    await agent.keyboard.press("Escape")
    await expect(agent.get_by_test_id("detail-panel")).to_have_count(0)
    await expect(manager_strip).not_to_contain_text("Demo Agent", timeout=5000)


async def test_the_customer_rates_the_ticket_the_console_resolved_and_the_console_shows_it(
    page: Page, second_page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    customer, console = page, second_page
    await customer.goto("/support")
    await customer.get_by_label("Your name").fill("Grace Hopper")
    await customer.get_by_label("Email").fill("grace@example.com")
    subject = f"Cannot log in {uuid.uuid4().hex[:6]}"
    await customer.get_by_label("Subject").fill(subject)
    await customer.get_by_label("Message").fill("The app says my password is wrong.")
    await customer.get_by_role("button", name="Submit request").click()
    reference = await customer.get_by_test_id("ticket-reference").inner_text()
    await customer.get_by_role("link", name="Track your ticket").click()
    await expect(customer.get_by_test_id("track-reference")).to_have_text(reference)
    await expect(customer.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    await expect(customer.get_by_test_id("rating-widget")).to_have_count(0)

    manager = bearer(staff_tokens["manager"])
    ticket_id = (await api.get(f"/api/v1/tickets/{reference}", headers=manager)).json()["id"]
    await _log_in(console, "manager")
    await console.goto(f"/admin?ticket={ticket_id}")
    panel = console.get_by_test_id("detail-panel")
    await panel.get_by_label("New status").select_option("resolved")
    await panel.get_by_role("button", name="Change status").click()
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("Resolved")
    await expect(panel.get_by_test_id("panel-satisfaction")).to_have_count(0)

    # The customer's page, open all along, offers the rating without a reload.
    widget = customer.get_by_test_id("rating-widget")
    await expect(widget).to_be_visible()
    await expect(customer.get_by_test_id("track-status")).to_contain_text("Resolved")
    await widget.get_by_role("button", name="Send rating").click()
    await expect(widget.get_by_role("alert")).to_contain_text("Choose Good or Bad first.")
    good = widget.get_by_role("button", name="Good", exact=True)
    await good.click()
    await expect(good).to_have_attribute("aria-pressed", "true")
    await widget.get_by_label("Comment (optional)").fill("Quick and kind, thanks!")
    await widget.get_by_role("button", name="Send rating").click()
    await expect(widget.get_by_test_id("current-rating")).to_contain_text(
        "You rated this ticket: Good"
    )
    await expect(widget.get_by_test_id("current-rating")).to_contain_text("Quick and kind")
    await screenshot(customer, "portal-rating")
    assert await serious_axe_violations(customer) == []

    # The console's panel shows it live.
    satisfaction = panel.get_by_test_id("panel-satisfaction")
    await expect(satisfaction).to_have_attribute("data-rating", "good")
    await expect(satisfaction).to_contain_text("Quick and kind, thanks!")
    await screenshot(console, "console-satisfaction")

    # An API refusal shows next to the widget (the server's 409 answer, as it words it).
    async def refuse(route: Any) -> None:
        await route.fulfill(
            status=409,
            json={"detail": "only a resolved ticket can be rated; DVK-0 is closed"},
        )

    await customer.route("**/rating?*", refuse)
    await widget.get_by_role("button", name="Bad", exact=True).click()
    await widget.get_by_role("button", name="Update rating").click()
    await expect(widget.get_by_test_id("rating-error")).to_contain_text("only a resolved ticket")
    await customer.unroute("**/rating?*")

    # Once closed, the rating shows read-only.
    closed = await api.patch(
        f"/api/v1/tickets/{ticket_id}/status", json={"status": "closed"}, headers=manager
    )
    assert closed.status_code == 200, closed.text
    readonly = customer.get_by_test_id("rating-readonly")
    await expect(readonly).to_contain_text("You rated this ticket: Good")
    await expect(widget).to_have_count(0)
    await expect(readonly.get_by_role("button")).to_have_count(0)


async def test_the_rating_widget_speaks_hindi(
    browser: Browser, stack: Stack, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    manager = staff_tokens["manager"]
    ticket = await _submit_over_api(api, f"Rated in Hindi {uuid.uuid4().hex[:6]}")
    resolved = await api.patch(
        f"/api/v1/tickets/{ticket['id']}/status",
        json={"status": "resolved"},
        headers=bearer(manager),
    )
    assert resolved.status_code == 200, resolved.text
    await _wait_readable(api, {**ticket, "version": resolved.json()["version"]}, manager)

    hindi = await browser.new_context(base_url=stack.url, locale="hi-IN")
    try:
        page = await hindi.new_page()
        await page.goto(f"/support/track/{ticket['reference']}?token={ticket['tracking_token']}")
        widget = page.get_by_test_id("rating-widget")
        await expect(widget.get_by_role("heading", name="हमारी सेवा कैसी रही?")).to_be_visible()
        await widget.get_by_role("button", name="खराब").click()
        await widget.get_by_role("button", name="रेटिंग भेजें").click()
        await expect(widget.get_by_test_id("current-rating")).to_contain_text("खराब")
    finally:
        await hindi.close()


async def _overflow_px(page: Page) -> int:
    """How far the page is wider than the screen (0: nothing to scroll sideways)."""
    width: int = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


async def test_portal_and_console_fit_a_phone_screen(
    browser: Browser, stack: Stack, staff_tokens: dict[str, str], api: httpx.AsyncClient
) -> None:
    context = await new_context(
        browser, stack.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = await context.new_page()
    try:
        await phone.goto("/support")
        await expect(phone.get_by_label("Subject")).to_be_visible()
        assert await _overflow_px(phone) == 0
        ticket = await _submit_over_api(api, "Phone-sized console")
        await _wait_readable(api, ticket, staff_tokens["manager"])
        await _log_in(phone, "manager")
        row = _row(phone, ticket["id"])
        await expect(row).to_be_visible()
        await row.click()
        panel = phone.get_by_role("dialog")
        await expect(panel).to_contain_text("Submitted over the API for the console test.")
        await expect(panel.get_by_role("button", name="Close")).to_be_in_viewport()
        await screenshot(phone, "console-phone")
    finally:
        await context.close()
