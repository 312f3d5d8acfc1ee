"""Macros from the console's reply composer, in a real Chromium (Debian's).

A manager shares macros over the API; the agent opens the picker with its keyboard shortcut,
chooses one with the arrow keys and applies it with Enter: its three actions land as one step
(three history entries with one command id). A macro with a forbidden step shows the tickets
service's reason and changes nothing (no new version, no history entry).

Browser fixtures and helpers: e2e.conftest_browser.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from conftest import bearer
from e2e.conftest_browser import log_in
from support.tickets import submit_ticket
from support.waiting import eventually

pytest_plugins = ["e2e.conftest_browser"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]


async def _share_macro(
    api: httpx.AsyncClient, token: str, name: str, actions: list[dict[str, Any]]
) -> dict[str, Any]:
    made = await api.post(
        "/api/v1/macros",
        json={"name": name, "scope": "shared", "actions": actions},
        headers=bearer(token),
    )
    assert made.status_code == 201, made.text
    macro: dict[str, Any] = made.json()
    return macro


async def _ticket(api: httpx.AsyncClient, token: str, ticket_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        read = await api.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
        if read.status_code == 404:  # the read model has not seen the submission yet
            return None
        assert read.status_code == 200, read.text
        ticket: dict[str, Any] = read.json()
        return ticket

    return await eventually(probe, timeout_s=30, what=f"ticket {ticket_id}", interval_s=0.2)


async def _history(api: httpx.AsyncClient, token: str, ticket_id: str) -> list[dict[str, Any]]:
    read = await api.get(f"/api/v1/tickets/{ticket_id}/history", headers=bearer(token))
    assert read.status_code == 200, read.text
    items: list[dict[str, Any]] = read.json()["items"]
    return items


async def test_an_agent_applies_a_shared_macro_from_the_composer_and_a_refused_one_changes_nothing(
    page: Page, api: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    manager, agent = staff_tokens["manager"], staff_tokens["agent"]
    ask = await _share_macro(
        api,
        manager,
        f"Ask for logs {tag}",
        [
            {
                "action": "reply",
                "message": "Hi {{customer.name}}, please send the logs for {{ticket.reference}}.",
            },
            {"action": "reply", "message": f"Asked for logs {tag}", "internal": True},
            {"action": "set_status", "status": "on_hold", "reason": "waiting for logs"},
        ],
    )
    forbidden = await _share_macro(
        api,
        manager,
        f"Resolve then hold {tag}",
        [
            {"action": "reply", "message": f"This must never be sent {tag}"},
            {"action": "set_status", "status": "resolved"},
            {"action": "set_status", "status": "on_hold"},
        ],
    )
    created = await submit_ticket(api, subject=f"Macro test {tag}")
    before = await _ticket(api, agent, created["id"])

    await log_in(page, "agent", f"/admin?ticket={created['id']}")
    panel = page.get_by_test_id("detail-panel")
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("New")

    # The shortcut opens the picker; searching narrows it; the preview says what will happen.
    await page.keyboard.press("Control+Shift+M")
    picker = page.get_by_test_id("macro-picker")
    await expect(picker).to_be_visible()
    search = picker.get_by_role("combobox", name="Search macros")
    await expect(search).to_be_focused()
    await search.fill(tag)
    options = picker.get_by_role("option")
    await expect(options).to_have_count(2)
    # Arrow keys move the choice (the list is by name: "Ask…" first, then "Resolve…").
    await search.press("ArrowDown")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await search.press("ArrowUp")
    await expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    await expect(options.nth(0)).to_contain_text(ask["name"])
    preview = picker.get_by_test_id("macro-preview")
    await expect(preview.get_by_role("listitem")).to_have_count(3)
    await expect(preview).to_contain_text("Set status to On hold (waiting for logs)")
    await expect(preview).to_contain_text("Add an internal note")
    await search.press("Enter")

    # Applied as one step: the picker closes, the panel shows the new status, reply and note.
    await expect(picker).to_have_count(0)
    await expect(panel.get_by_test_id("macro-applied")).to_contain_text(ask["name"])
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("On hold")
    reference = created["reference"]
    await expect(
        panel.get_by_text(f"Hi Lin Customer, please send the logs for {reference}.")
    ).to_be_visible()
    await expect(panel.locator('[data-kind="note"]')).to_contain_text(f"Asked for logs {tag}")
    applied = await _ticket(api, agent, created["id"])
    assert applied["status"] == "on_hold"
    # Atomically: exactly three new events (reply, note, status), all of one command.
    assert applied["version"] == before["version"] + 3
    steps = [
        e for e in await _history(api, agent, created["id"]) if e["version"] > before["version"]
    ]
    assert [e["type"] for e in steps] == [
        "ticket.message_posted",
        "ticket.message_posted",
        "ticket.status_changed",
    ]
    assert len({e["command_id"] for e in steps}) == 1

    # The refused macro: the reason shows in the picker, and the ticket is as it was.
    await panel.get_by_test_id("macros-button").click()
    await expect(picker).to_be_visible()
    await search.fill(forbidden["name"])
    await expect(options).to_have_count(1)
    await search.press("Enter")
    error = picker.get_by_test_id("macro-error")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("nothing changed")
    await expect(error).to_contain_text("step 3")
    # It says why: the transition the lifecycle refuses.
    await expect(error).to_contain_text("cannot go from resolved to on_hold")
    after = await _ticket(api, agent, created["id"])
    assert after["version"] == applied["version"]
    assert [e["version"] for e in await _history(api, agent, created["id"])][-1] == applied[
        "version"
    ]
    assert after["status"] == "on_hold"
    assert not [m for m in after["thread"] if tag in m["message"] and "never" in m["message"]]

    # Escape closes the picker only; the panel stays open and unchanged.
    await search.press("Escape")
    await expect(picker).to_have_count(0)
    await expect(panel.get_by_test_id("panel-status")).to_contain_text("On hold")
    await expect(panel.get_by_text(f"This must never be sent {tag}")).to_have_count(0)
