"""The chat widget in a real Chromium (Debian's): one script tag on a pretend shop, live replies.

The gateway of the `stack` fixture serves `/widget.js` and `/widget/demo` from `web/dist` (built
here by `make ui` when stale). The test chats in the bubble and acts as the agent over the HTTP
API, so the agent's reply is seen arriving without a reload.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.async_api import Browser, Page, expect

from conftest import Stack, bearer
from e2e.conftest_browser import LIVE_TIMEOUT_MS, SCREENSHOTS, open_page
from gateway.entrypoints import web_ui
from gateway.settings import GatewaySettings
from support.servers import ROOT

pytest_plugins = ["e2e.conftest_browser"]

SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
HOSTILE = "<img src=x onerror=alert(1)>"


# --- serving, without servers -------------------------------------------------------------


@pytest.fixture
def widget_client(tmp_path: Path) -> TestClient:
    (tmp_path / "index.html").write_text("<!doctype html><title>Dvika Care</title>")
    (tmp_path / "widget.js").write_text("(function(){})();")
    shutil.copy(ROOT / "web" / "public" / "widget-demo.html", tmp_path / "widget-demo.html")
    app = FastAPI()
    app.state.settings = GatewaySettings(web_dist=tmp_path)
    app.include_router(web_ui.router)
    return TestClient(app, base_url="http://shop-gateway.test:8080")


def test_widget_js_is_served_as_javascript_with_a_short_cache(widget_client: TestClient) -> None:
    answer = widget_client.get("/widget.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "max-age=300" in answer.headers["cache-control"]
    assert answer.text == "(function(){})();"


def test_the_demo_page_carries_one_script_tag_pointing_at_this_gateway(
    widget_client: TestClient,
) -> None:
    answer = widget_client.get("/widget/demo")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "Acme shop" in answer.text
    tags = SCRIPT_TAG.findall(answer.text)
    assert tags == [
        '<script src="http://shop-gateway.test:8080/widget.js"'
        ' data-dvika-url="http://shop-gateway.test:8080" defer>'
    ]


def test_without_a_build_the_widget_routes_answer_503(tmp_path: Path) -> None:
    app = FastAPI()
    app.state.settings = GatewaySettings(web_dist=tmp_path)
    app.include_router(web_ui.router)
    client = TestClient(app)
    assert client.get("/widget.js").status_code == 503
    assert client.get("/widget/demo").status_code == 503


# --- in Chromium, against the stack ---------------------------------------------------------


@pytest.fixture
async def shop_page(browser: Browser, stack: Stack) -> AsyncIterator[Page]:
    opened = await open_page(browser, stack.url, viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: dialogs.append(dialog.message))
    yield opened
    assert dialogs == [], f"the page opened dialogs: {dialogs}"  # no alert() ever ran
    await opened.context.close()


async def _staff_read(stack: Stack, token: str, ticket_id: str, version: int = 1) -> Any:
    async with httpx.AsyncClient(base_url=stack.url, timeout=20) as client:
        read = await client.get(
            f"/api/v1/tickets/{ticket_id}?min_version={version}", headers=bearer(token)
        )
    assert read.status_code == 200, read.text
    return read.json()


async def _agent_posts(
    stack: Stack, token: str, ticket_id: str, message: str, internal: bool
) -> int:
    async with httpx.AsyncClient(base_url=stack.url, timeout=20) as client:
        posted = await client.post(
            f"/api/v1/tickets/{ticket_id}/reply",
            json={"from": "agent", "message": message, "internal": internal},
            headers=bearer(token),
        )
    assert posted.status_code == 201, posted.text
    version: int = posted.json()["version"]
    return version


@pytest.mark.kafka
@pytest.mark.mongo
@pytest.mark.slow
async def test_a_chat_in_the_widget_is_a_ticket_and_agent_replies_arrive_live(
    shop_page: Page, stack: Stack, staff_tokens: dict[str, str]
) -> None:
    page = shop_page
    agent = staff_tokens["agent"]
    run = uuid.uuid4().hex[:8]
    await page.goto("/widget/demo")
    bubble = page.get_by_role("button", name="Chat with support")
    await expect(bubble).to_be_visible()

    # Keyboard: focusable, opens, and Esc closes it again with the focus back on the bubble.
    await bubble.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Chat with us")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(bubble).to_be_focused()
    await bubble.click()
    await expect(dialog).to_be_visible()

    # Validation first, then a chat; no message box before the chat has started.
    await expect(dialog.get_by_role("textbox", name="Write a message")).to_be_hidden()
    await dialog.get_by_role("button", name="Start chat").click()
    await expect(dialog.get_by_role("alert")).to_have_text("Please enter your name.")
    await dialog.get_by_label("Your name").fill("Widget Customer")
    await dialog.get_by_label("Email").fill("not-an-email")
    await dialog.get_by_role("button", name="Start chat").click()
    await expect(dialog.get_by_role("alert")).to_have_text("Please enter a valid email address.")
    await dialog.get_by_label("Email").fill(f"widget.{run}@example.com")
    first = f"Where is my anvil? order {run}"
    await dialog.get_by_label("How can we help?").fill(first)
    await dialog.get_by_role("button", name="Start chat").click()
    log = dialog.get_by_role("log")
    await expect(log.locator(".msg.customer")).to_contain_text([first])

    # The ticket exists for staff, from the chat channel.
    session = await page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('dvika-chat:'))))"
    )
    ticket = await _staff_read(stack, agent, session["id"])
    assert ticket["channel"] == "chat"
    assert ticket["thread"][0]["message"] == first
    assert ticket["thread"][0]["channel"] == "chat"
    await expect(dialog.get_by_text("Live", exact=True)).to_be_visible()

    # An agent's reply appears without a reload; an internal note never does.
    note = f"Internal: customer {run} is a VIP"
    await _agent_posts(stack, agent, session["id"], note, internal=True)
    reply = f"Your anvil ships today ({run})."
    await _agent_posts(stack, agent, session["id"], reply, internal=False)
    await expect(log.locator(".msg.agent")).to_contain_text([reply])
    await expect(log).not_to_contain_text(note)

    # The customer answers, with markup that must stay text.
    await dialog.get_by_role("textbox", name="Write a message").fill(HOSTILE)
    await dialog.get_by_role("button", name="Send").click()
    await expect(log.locator(".msg.customer").last).to_contain_text(HOSTILE)
    assert await page.locator("img").count() == 0  # pierces the shadow root: no <img> was made
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "chat-widget.png")

    # A reload keeps the conversation.
    await page.reload()
    await page.get_by_role("button", name="Chat with support").click()
    dialog = page.get_by_role("dialog", name="Chat with us")
    log = dialog.get_by_role("log")
    await expect(log.locator(".msg")).to_contain_text([first, reply, HOSTILE])
    await expect(log).not_to_contain_text(note)
    assert await page.locator("img").count() == 0

    # Later replies still arrive live after the reload.
    later = f"Tracking number AC-{run}."
    await _agent_posts(stack, agent, session["id"], later, internal=False)
    await expect(log.locator(".msg.agent").last).to_contain_text(later)

    # Once the ticket is closed, the customer's next words open a follow-up: the chat moves on.
    async with httpx.AsyncClient(base_url=stack.url, timeout=20) as client:
        closed = await client.patch(
            f"/api/v1/tickets/{session['id']}/status",
            json={"status": "closed"},
            headers=bearer(agent),
        )
    assert closed.status_code == 200, closed.text
    again = f"The anvil broke ({run})"
    await dialog.get_by_role("textbox", name="Write a message").fill(again)
    await dialog.get_by_role("button", name="Send").click()
    await expect(log.locator(".msg")).to_contain_text([again])
    moved = await page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('dvika-chat:'))))"
    )
    assert moved["id"] != session["id"]
    follow_up = await _staff_read(stack, agent, moved["id"])
    assert follow_up["follow_up_of"] == session["id"]
    answer = f"A new anvil is on its way ({run})."
    await _agent_posts(stack, agent, moved["id"], answer, internal=False)
    await expect(log.locator(".msg.agent").last).to_contain_text(answer)


@pytest.fixture
def other_site(stack: Stack) -> Iterator[str]:
    """A pretend shop on another origin (http://localhost:<its own port>) embedding the widget.

    A real loopback server: Chromium lets a loopback page load from the loopback gateway, but
    not a page it cannot place (such as one made up by Playwright's routing).
    """
    page = (
        "<!doctype html><html lang='en'><title>Acme elsewhere</title><body><h1>Acme</h1>"
        f'<script src="{stack.url}/widget.js" data-dvika-url="{stack.url}" defer></script>'
        "</body></html>"
    ).encode()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.kafka
@pytest.mark.mongo
@pytest.mark.slow
async def test_the_widget_works_from_another_sites_origin(
    shop_page: Page, stack: Stack, staff_tokens: dict[str, str], other_site: str
) -> None:
    """A page on another origin embeds the widget: the API answers it through CORS."""
    page = shop_page
    run = uuid.uuid4().hex[:8]
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    await page.goto(f"{other_site}/acme-shop")
    assert await page.evaluate("() => window.location.origin") == other_site
    await page.get_by_role("button", name="Chat with support").click()
    dialog = page.get_by_role("dialog", name="Chat with us")
    await dialog.get_by_label("Your name").fill("Elsewhere Customer")
    await dialog.get_by_label("Email").fill(f"elsewhere.{run}@example.com")
    await dialog.get_by_label("How can we help?").fill(f"Cross-site hello {run}")
    await dialog.get_by_role("button", name="Start chat").click()
    log = dialog.get_by_role("log")
    await expect(log.locator(".msg.customer")).to_contain_text([f"Cross-site hello {run}"])
    session = await page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('dvika-chat:'))))"
    )
    reply = f"Hello from support {run}"
    await _agent_posts(stack, staff_tokens["agent"], session["id"], reply, internal=False)
    await expect(log.locator(".msg.agent")).to_contain_text([reply])
    assert not [text for text in console if "CORS" in text], console

    # The preflight allows the widget's headers but not staff logins.
    async with httpx.AsyncClient(base_url=stack.url, timeout=20) as client:
        allowed = await client.options(
            "/api/v1/tickets",
            headers={
                "Origin": other_site,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,idempotency-key",
            },
        )
        refused = await client.options(
            "/api/v1/tickets",
            headers={
                "Origin": other_site,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
    assert allowed.status_code == 200, allowed.text
    assert refused.status_code == 400


@pytest.mark.kafka
@pytest.mark.mongo
@pytest.mark.slow
async def test_the_widget_speaks_hindi_to_a_hindi_browser(browser: Browser, stack: Stack) -> None:
    context = await browser.new_context(base_url=stack.url, locale="hi-IN")
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    try:
        page = await context.new_page()
        await page.goto("/widget/demo")
        await page.get_by_role("button", name="सहायता से चैट करें").click()
        dialog = page.get_by_role("dialog", name="हमसे चैट करें")
        await dialog.get_by_role("button", name="चैट शुरू करें").click()
        await expect(dialog.get_by_role("alert")).to_have_text("कृपया अपना नाम लिखें।")
    finally:
        await context.close()
