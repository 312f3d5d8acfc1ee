"""The knowledge base in the agent console, in a real Chromium (Debian's), against real services.

An agent opens a ticket whose text matches a published article: the panel suggests it, its link
goes into the reply (from the Ctrl+Shift+K picker and from the panel) and is sent; similar
tickets list an earlier ticket like it and never a later one. "Flag as outdated" and "Suggest a
new article" become Knowledge Suggestions that a manager sees in /admin/knowledge, linked to the
ticket, and closes. An agent has no Knowledge entry and is told the page is not for their role.

Every article and ticket here carries the run's made-up word, so what earlier runs left in the
log and the database never changes what is asserted. Browser fixtures: e2e.conftest_browser.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from conftest import DEMO_PASSWORD, bearer
from e2e.conftest_browser import SCREENSHOTS, log_in, open_page, screenshot, serious_axe_violations
from support.processes import ServiceProcess
from support.tickets import submit_ticket
from support.waiting import eventually

pytest_plugins = ["e2e.conftest_browser", "e2e.conftest_knowledge"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]

RUN = uuid.uuid4().hex[:8]
# A made-up word per run: only this run's articles and tickets contain it.
WORD = f"zk{RUN}"

NewPage = Callable[[], Awaitable[Page]]


@pytest.fixture
async def new_page(browser: Browser, knowledge_gateway: ServiceProcess) -> AsyncIterator[NewPage]:
    """Pages in contexts of their own (one per signed-in person), on the knowledge gateway."""
    pages = []

    async def make() -> Page:
        opened = await open_page(browser, knowledge_gateway.url, locale="en-US")
        pages.append(opened)
        return opened

    yield make
    for opened in pages:
        await opened.context.close()


@pytest.fixture(scope="session")
def kb_tokens(staff_tokens: dict[str, str], knowledge_gateway: ServiceProcess) -> dict[str, str]:
    """An access token per staff role from the knowledge gateway (each gateway signs its own);
    `staff_tokens` first, as it makes the demo accounts."""
    tokens = {}
    for role in staff_tokens:
        login = httpx.post(
            f"{knowledge_gateway.url}/api/v1/auth/login",
            json={"email": f"{role}@demo.dvika.care", "password": DEMO_PASSWORD},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        tokens[role] = login.json()["access_token"]
    return tokens


@pytest.fixture
async def api(knowledge_gateway: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=knowledge_gateway.url, timeout=20) as client:
        yield client


async def _published_article(
    api: httpx.AsyncClient, tokens: dict[str, str], title: str, body: str
) -> dict[str, Any]:
    made = await api.post(
        "/api/v1/kb/admin/articles",
        json={"title": title, "body": body, "category": "billing", "tags": ["refunds"]},
        headers=bearer(tokens["manager"]),
    )
    assert made.status_code == 201, made.text
    article: dict[str, Any] = made.json()
    done = await api.post(
        f"/api/v1/kb/admin/articles/{article['id']}/publish",
        json={"version": article["version"]},
        headers=bearer(tokens["manager"]),
    )
    assert done.status_code == 200, done.text

    async def searchable() -> bool:
        found = await api.get("/api/v1/kb/articles/suggest", params={"q": WORD})
        assert found.status_code == 200, found.text
        return article["slug"] in [item["slug"] for item in found.json()["items"]]

    await eventually(searchable, timeout_s=20, what=f"article {article['slug']} searchable")
    return article


async def _similar(api: httpx.AsyncClient, token: str, ticket_id: str) -> list[dict[str, Any]]:
    """The similar tickets once the knowledge service has indexed `ticket_id`."""

    async def probe() -> list[dict[str, Any]] | None:
        found = await api.get(f"/api/v1/kb/similar-tickets/{ticket_id}", headers=bearer(token))
        if found.status_code == 404:  # not indexed yet
            return None
        assert found.status_code == 200, found.text
        items: list[dict[str, Any]] = found.json()["items"]
        return items or [{}]  # indexed, maybe with nothing like it (still truthy)

    items = await eventually(
        probe, timeout_s=30, what=f"ticket {ticket_id} indexed", interval_s=0.2
    )
    return [item for item in items if item]


async def _submit_indexed(
    api: httpx.AsyncClient, token: str, subject: str, message: str
) -> dict[str, Any]:
    # One at a time, each indexed before the next: "earlier" is the order the index saw them in.
    created = await submit_ticket(api, subject=subject, message=message, category="billing")
    await _similar(api, token, created["id"])
    return created


async def _open_ticket(api: httpx.AsyncClient, token: str, ticket_id: str) -> None:
    async def readable() -> bool:
        read = await api.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
        return read.status_code == 200

    await eventually(readable, timeout_s=30, what=f"ticket {ticket_id} in the read model")


async def test_an_agent_answers_with_a_suggested_article_and_a_manager_handles_the_feedback(
    new_page: NewPage,
    api: httpx.AsyncClient,
    kb_tokens: dict[str, str],
    knowledge_gateway: ServiceProcess,
) -> None:
    agent_token = kb_tokens["agent"]
    title = f"How refunds for double charges work {WORD}"
    article = await _published_article(
        api,
        kb_tokens,
        title,
        f"If your card was **charged twice**, the {WORD} refund arrives in 5 days.",
    )
    slug = article["slug"]
    earlier = await _submit_indexed(
        api,
        agent_token,
        f"Charged twice {WORD}",
        f"My card was charged twice, {WORD} refund please.",
    )
    ticket = await _submit_indexed(
        api,
        agent_token,
        f"Double charge refund {WORD}",
        f"I was charged twice for March and want the {WORD} refund.",
    )
    later = await _submit_indexed(
        api, agent_token, f"Charged twice again {WORD}", f"Charged twice, {WORD} refund wanted."
    )
    # Through the API first: the earlier one is similar, the later one is not (it came after).
    similar_ids = [item["id"] for item in await _similar(api, agent_token, ticket["id"])]
    assert earlier["id"] in similar_ids
    assert later["id"] not in similar_ids
    await _open_ticket(api, agent_token, ticket["id"])

    page = await new_page()
    await log_in(page, "agent", f"/admin?ticket={ticket['id']}")
    panel = page.get_by_test_id("detail-panel")
    await expect(panel.get_by_role("heading", name=ticket["reference"])).to_be_visible()
    # An agent has no Knowledge page in the navigation.
    nav = page.get_by_role("navigation", name="Console sections")
    await expect(nav.get_by_role("link", name="Tickets")).to_be_visible()
    await expect(nav.get_by_role("link", name="Knowledge")).to_have_count(0)

    # The panel suggests the article that matches the ticket.
    suggested = panel.get_by_test_id("suggested-articles")
    await expect(suggested.get_by_role("heading", name="Suggested articles")).to_be_visible()
    suggestion = suggested.locator(f'li[data-slug="{slug}"]')
    await expect(suggestion.get_by_role("link", name=title)).to_have_attribute(
        "href", re.compile(rf"/support/kb/{slug}$")
    )
    assert await suggested.locator("ul > li[data-slug]").count() <= 5

    # Ctrl+Shift+K opens the picker; the chosen article's link goes in at the cursor.
    reply = panel.get_by_label("Reply to the customer")
    link = f"[{title}]({knowledge_gateway.url}/support/kb/{slug})"
    await reply.fill("Hello! Please read:  Thanks.")
    await reply.evaluate("(box) => box.setSelectionRange(20, 20)")  # after "read: "
    await expect(panel.get_by_test_id("kb-link-button")).to_have_attribute(
        "aria-keyshortcuts", re.compile("Control\\+Shift\\+K")
    )
    await page.keyboard.press("Control+Shift+K")
    picker = page.get_by_test_id("kb-link-picker")
    await expect(picker).to_be_visible()
    search = picker.get_by_role("combobox", name="Search articles")
    await expect(search).to_be_focused()
    await search.fill(WORD)
    await expect(picker.get_by_role("option").first).to_contain_text(title)
    await search.press("Enter")
    await expect(picker).to_have_count(0)
    await expect(reply).to_have_value(f"Hello! Please read: {link} Thanks.")
    await expect(reply).to_be_focused()

    # Sent, the thread shows it.
    await panel.get_by_role("button", name="Send reply").click()
    await expect(reply).to_have_value("")
    await expect(panel.locator('[data-kind="agent"]').filter(has_text=link)).to_have_count(1)

    # From the panel too: "Insert link" puts it into the (now empty) draft.
    await suggestion.get_by_role("button", name=f"Insert link to {title}").click()
    await expect(reply).to_have_value(link)
    await reply.fill("")

    # Similar tickets: the earlier one, not the later one; each opens in the console.
    similar = panel.get_by_test_id("similar-tickets")
    earlier_link = similar.get_by_role("link", name=re.compile(earlier["reference"]))
    await expect(earlier_link).to_be_visible()
    await expect(similar.locator(f'li[data-ticket-id="{earlier["id"]}"]')).to_contain_text(
        f"Charged twice {WORD}"
    )
    await expect(
        similar.locator(f'li[data-ticket-id="{earlier["id"]}"] [data-status]')
    ).to_have_text("New")
    await expect(similar.get_by_text(later["reference"])).to_have_count(0)
    assert await similar.locator("li[data-ticket-id]").count() <= 5

    # The feedback loop: flag the article as outdated, suggest a new one.
    await suggestion.get_by_role("button", name=f"Flag {title} as outdated").click()
    await suggestion.get_by_label("What is out of date? (optional)").fill(
        f"Refunds now take 3 days {WORD}"
    )
    await suggestion.get_by_role("button", name="Send flag").click()
    await expect(suggestion.get_by_test_id("flagged")).to_have_text("Flagged for the editors")

    await suggested.get_by_role("button", name="Suggest a new article").click()
    form = suggested.get_by_role("form", name="Suggest a new article")
    await form.get_by_role("button", name="Send suggestion").click()
    await expect(form.get_by_role("alert")).to_contain_text("Give a title")
    new_title = f"Partial refunds {WORD}"
    await form.get_by_label("Title").fill(new_title)
    await form.get_by_label("What should it cover?").fill("Customers ask how partial refunds work.")
    await form.get_by_role("button", name="Send suggestion").click()
    await expect(suggested.get_by_test_id("suggestion-sent")).to_have_text(
        "Suggestion sent to the editors"
    )

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await suggested.scroll_into_view_if_needed()
    await page.screenshot(path=SCREENSHOTS / "console-knowledge-panel.png")

    # Opening a similar ticket from the list shows it in the panel.
    await earlier_link.click()
    await expect(panel.get_by_role("heading", name=earlier["reference"])).to_be_visible()
    assert f"ticket={earlier['id']}" in page.url

    # The agent is refused the Knowledge page, politely.
    await page.goto("/admin/knowledge")
    await expect(page.get_by_test_id("knowledge-forbidden")).to_contain_text(
        "Your role cannot open this page"
    )
    await expect(page.get_by_test_id("kb-suggestions")).to_have_count(0)

    # A manager sees both suggestions, linked to the ticket, and closes them.
    me = await api.get("/api/v1/auth/me", headers=bearer(agent_token))
    agent_name = me.json()["name"]
    manager = await new_page()
    await log_in(manager, "manager", "/admin/knowledge")
    await expect(manager.get_by_role("heading", name="Knowledge", exact=True)).to_be_visible()
    manager_nav = manager.get_by_role("navigation", name="Console sections")
    await expect(manager_nav.get_by_role("link", name="Knowledge")).to_have_attribute(
        "aria-current", "page"
    )
    await expect(manager.get_by_test_id("deflection-rate")).to_contain_text("Deflection rate")
    # By the ticket's id: references start again in a fresh stack, the suggestions stay.
    ticket_link = manager.locator(f'a[href="/admin?ticket={ticket["id"]}"]')
    rows = manager.get_by_test_id("kb-suggestion").filter(has=ticket_link)
    await expect(rows).to_have_count(2)
    outdated = rows.and_(manager.locator('[data-kind="outdated"]'))
    wanted = rows.and_(manager.locator('[data-kind="new_article"]'))
    await expect(outdated).to_contain_text("Outdated article")
    await expect(outdated.get_by_role("link", name=slug)).to_be_visible()
    await expect(outdated).to_contain_text(f"Refunds now take 3 days {WORD}")
    await expect(outdated).to_contain_text(agent_name)  # who raised it, by name
    await expect(wanted).to_contain_text("New article")
    await expect(wanted).to_contain_text(new_title)
    for row in (outdated, wanted):
        await expect(row.get_by_test_id("kb-suggestion-ticket")).to_have_attribute(
            "href", f"/admin?ticket={ticket['id']}"
        )
    # The article list shows it, published.
    await expect(manager.get_by_test_id("kb-article").filter(has_text=title)).to_have_attribute(
        "data-status", "published"
    )
    assert await serious_axe_violations(manager) == []
    await screenshot(manager, "console-knowledge")

    await outdated.get_by_role("button", name=f"Close suggestion: {slug}").click()
    await expect(outdated).to_have_count(0)
    await wanted.get_by_role("button", name=f"Close suggestion: {new_title}").click()
    await expect(rows).to_have_count(0)
    await manager.get_by_role("button", name="Closed", exact=True).click()
    await expect(rows).to_have_count(2)
    await expect(rows.get_by_role("button")).to_have_count(0)  # closed: nothing more to do

    # In Hindi too.
    await manager.get_by_label("Language").select_option("hi")
    await expect(manager.get_by_role("heading", name="ज्ञानकोश", exact=True)).to_be_visible()
    await expect(outdated).to_contain_text("पुराना लेख")

    # And the API agrees: nothing open is left for this ticket.
    listed = await api.get("/api/v1/kb/admin/suggestions", headers=bearer(kb_tokens["manager"]))
    assert listed.status_code == 200, listed.text
    assert not [s for s in listed.json()["items"] if s["ticket_id"] == ticket["id"]]


async def test_the_panel_says_so_when_nothing_matches_and_flagging_an_unknown_article_fails(
    new_page: NewPage, api: httpx.AsyncClient, kb_tokens: dict[str, str]
) -> None:
    lonely = f"qx{uuid.uuid4().hex[:10]}"
    ticket = await submit_ticket(api, subject=f"{lonely} {lonely}", message=f"{lonely}")
    await _similar(api, kb_tokens["agent"], ticket["id"])
    await _open_ticket(api, kb_tokens["agent"], ticket["id"])
    # The API refuses an outdated flag without a real article, and agents the editors' list.
    bad = await api.post(
        "/api/v1/kb/suggestions",
        json={"kind": "outdated", "ticket_id": ticket["id"], "article": f"no-such-{lonely}"},
        headers=bearer(kb_tokens["agent"]),
    )
    assert bad.status_code == 422, bad.text
    refused = await api.get("/api/v1/kb/admin/suggestions", headers=bearer(kb_tokens["agent"]))
    assert refused.status_code == 403

    page = await new_page()
    await log_in(page, "agent", f"/admin?ticket={ticket['id']}")
    panel = page.get_by_test_id("detail-panel")
    await expect(panel.get_by_test_id("suggested-articles")).to_contain_text(
        "No published article matches this ticket."
    )
    await expect(panel.get_by_test_id("similar-tickets")).to_contain_text(
        "No earlier ticket is like this one."
    )
    # The picker says so too, and Escape closes it without touching the panel.
    await panel.get_by_test_id("kb-link-button").click()
    picker = page.get_by_test_id("kb-link-picker")
    await picker.get_by_role("combobox", name="Search articles").fill(lonely)
    await expect(picker).to_contain_text(f"No published article matches “{lonely}”.")
    await page.keyboard.press("Escape")
    await expect(picker).to_have_count(0)
    await expect(panel).to_be_visible()
    await expect(panel.get_by_label("Reply to the customer")).to_have_value("")
