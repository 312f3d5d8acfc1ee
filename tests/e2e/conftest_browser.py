"""Debian's Chromium under Playwright, for the tests that drive the web UI, and their helpers.

Not a conftest pytest loads by itself: a test module names it in `pytest_plugins` and imports
the helpers it calls (`open_page`, `log_in`, `screenshot`, `serious_axe_violations`, ...).
`web_dist` and `browser` are session-scoped, so a run builds the UI once and launches one
Chromium for every module; each test opens contexts of its own, which keeps them apart.
`page` and `api` are the stack gateway's; a module on another gateway overrides them.

PYTEST_DONT_REWRITE: test modules import it before pytest loads it as a plugin, too late for
assertion rewriting (pytest would warn), so its few asserts carry their own messages.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from conftest import DEMO_PASSWORD, Stack
from support.servers import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1440, "height": 1000}
# Screenshots of what the tests saw (git-ignored), for people and for the README.
SCREENSHOTS = ROOT / ".state" / "test" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
# Long enough for a command's round trip through Kafka and the read model on a busy machine.
LIVE_TIMEOUT_MS = 20_000
expect.set_options(timeout=LIVE_TIMEOUT_MS)


@pytest.fixture(scope="session")
def web_dist() -> None:
    """The UI and the chat widget built from the current sources (a no-op when web/dist is
    fresh), under the lock every build takes."""
    subprocess.run(["flock", "/tmp/dvika-ui.lock", "make", "-s", "ui"], cwd=ROOT, check=True)
    for built in ("index.html", "widget.js"):
        assert (ROOT / "web" / "dist" / built).is_file(), f"make ui left no web/dist/{built}"


@pytest.fixture(scope="session")
async def browser(web_dist: None) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


async def new_context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    """A browser profile of its own on `base_url`, desktop-sized unless `options` say otherwise,
    whose actions wait as long as a live update may take."""
    context = await browser.new_context(base_url=base_url, **{"viewport": DESKTOP, **options})
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    return context


async def open_page(browser: Browser, base_url: str, **options: Any) -> Page:
    """A page in a `new_context` (close it with `page.context.close()`)."""
    context = await new_context(browser, base_url, **options)
    return await context.new_page()


@pytest.fixture
async def page(browser: Browser, stack: Stack) -> AsyncIterator[Page]:
    """A desktop page in English on the stack's gateway."""
    opened = await open_page(browser, stack.url, locale="en-US")
    yield opened
    await opened.context.close()


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The stack's gateway over HTTP, for the side the browser does not play."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=20) as client:
        yield client


async def log_in(page: Page, role: str, path: str = "/admin") -> None:
    """Signs the demo account of `role` in on the console page at `path`."""
    await page.goto(path)
    await page.get_by_label("Email").fill(f"{role}@demo.dvika.care")
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_test_id("signed-in-as")).to_contain_text(role)


async def screenshot(page: Page, name: str) -> None:
    """The whole page as SCREENSHOTS/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def serious_axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is (empty: it passes)."""
    await page.add_script_tag(path=AXE)
    results: dict[str, Any] = await page.evaluate("() => axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
