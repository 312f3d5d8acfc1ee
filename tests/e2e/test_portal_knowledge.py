"""The customer's knowledge base in a real Chromium (Debian's), against real services.

A knowledge service and a gateway forwarding `/api/v1/kb/...` to it come from
`e2e.conftest_knowledge`; that gateway also serves the built UI (`web/dist`) and the chat
widget. The module publishes its own articles through the editors' API (a manager's token),
each carrying a made-up word of this run, so articles of earlier runs (the log and the
database outlive a run) never change what is asserted:

- the KB home lists a published article under its category, search finds it with a snippet,
  its page renders the Markdown, and "Was this helpful?" counts one vote per visitor (a
  repeat answers without an error and the count stays);
- a draft and an archived article never show (home, category, search, suggestions) and their
  slugs, like an unknown one, show "not found";
- hostile Markdown (script, an `onerror` image, a `javascript:` link) is inert;
- typing on the submit form suggests at most 5 articles with snippets; opening one and
  leaving without submitting counts a deflection (read as staff), submitting does not;
- the chat widget suggests articles while its message is typed;
- the KB pages pass axe (no serious or critical violations).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, expect

from conftest import DEMO_PASSWORD, bearer
from e2e.conftest_browser import open_page, screenshot, serious_axe_violations
from support.waiting import eventually

if TYPE_CHECKING:
    from support.processes import ServiceProcess

pytest_plugins = ["e2e.conftest_browser", "e2e.conftest_knowledge"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]

WAIT_S = 30

RUN = uuid4().hex[:8]
# A made-up word per run: only this run's articles contain it.
WORD = f"zq{RUN}"
CATEGORY = f"kbui-{RUN}"
HOSTILE_CATEGORY = f"kbui-hostile-{RUN}"
PUBLISHED_BODY = (
    f"## Before you start\n\nYou need the **admin password** of your {WORD} router.\n\n"
    "1. Hold the reset button for 10 seconds.\n2. Wait for the lights to blink.\n"
)
HOSTILE_BODY = (
    f"Hostile {WORD} text.\n\n<script>window.__pwned=1</script>\n\n"
    '<img src=x onerror="window.__pwned=2">\n\n'
    "[click](javascript:window.__pwned=3)\n"
)


@dataclass(frozen=True)
class Article:
    id: str
    slug: str
    title: str


@dataclass(frozen=True)
class Corpus:
    published: Article
    draft: Article
    archived: Article
    hostile: Article


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
async def page(browser: Browser, knowledge_gateway: ServiceProcess) -> AsyncIterator[Page]:
    opened = await open_page(
        browser, knowledge_gateway.url, viewport={"width": 1280, "height": 1000}, locale="en-US"
    )
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: dialogs.append(dialog.message))
    yield opened
    await opened.context.close()
    assert dialogs == [], f"the page opened dialogs: {dialogs}"


@pytest.fixture
async def api(knowledge_gateway: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=knowledge_gateway.url, timeout=20) as client:
        yield client


@pytest.fixture(scope="module")
async def manager_token(knowledge_gateway: ServiceProcess, staff_tokens: dict[str, str]) -> str:
    # staff_tokens makes sure the demo accounts exist; the token is this gateway's own login.
    async with httpx.AsyncClient(base_url=knowledge_gateway.url, timeout=20) as client:
        login = await client.post(
            "/api/v1/auth/login",
            json={"email": "manager@demo.dvika.care", "password": DEMO_PASSWORD},
        )
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


async def _create(
    client: httpx.AsyncClient, token: str, title: str, body: str, category: str, tags: list[str]
) -> dict[str, Any]:
    made = await client.post(
        "/api/v1/kb/admin/articles",
        json={"title": title, "body": body, "category": category, "tags": tags},
        headers=bearer(token),
    )
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


async def _step(
    client: httpx.AsyncClient, token: str, made: dict[str, Any], action: str
) -> dict[str, Any]:
    done = await client.post(
        f"/api/v1/kb/admin/articles/{made['id']}/{action}",
        json={"version": made["version"]},
        headers=bearer(token),
    )
    assert done.status_code == 200, done.text
    changed: dict[str, Any] = done.json()
    return changed


async def _public_status(client: httpx.AsyncClient, slug: str) -> int:
    return (await client.get(f"/api/v1/kb/articles/{slug}")).status_code


async def _suggested_slugs(client: httpx.AsyncClient, q: str) -> list[str]:
    found = await client.get("/api/v1/kb/articles/suggest", params={"q": q})
    assert found.status_code == 200, found.text
    return [item["slug"] for item in found.json()["items"]]


@pytest.fixture(scope="module")
async def corpus(knowledge_gateway: ServiceProcess, manager_token: str) -> Corpus:
    """A published, a draft, an archived and a hostile article, all in the index already."""
    token = manager_token
    async with httpx.AsyncClient(base_url=knowledge_gateway.url, timeout=20) as client:
        published = await _create(
            client,
            token,
            f"Reset your {WORD} router password",
            PUBLISHED_BODY,
            CATEGORY,
            ["router", "password"],
        )
        published = {**published, **await _step(client, token, published, "publish")}
        draft = await _create(
            client,
            token,
            f"Draft {WORD} router password plan",
            f"Unreleased {WORD} router password notes.",
            CATEGORY,
            ["router"],
        )
        archived = await _create(
            client,
            token,
            f"Archived {WORD} router password guide",
            f"The old {WORD} router password steps.",
            CATEGORY,
            ["router"],
        )
        archived = {**archived, **await _step(client, token, archived, "publish")}
        archived = {**archived, **await _step(client, token, archived, "archive")}
        hostile = await _create(
            client, token, f"Hostile {WORD} markup", HOSTILE_BODY, HOSTILE_CATEGORY, ["hostile"]
        )
        hostile = {**hostile, **await _step(client, token, hostile, "publish")}

        async def ready() -> bool:
            statuses = [
                await _public_status(client, article["slug"])
                for article in (published, draft, archived, hostile)
            ]
            # Suggestions match any word: other runs' router articles may come too.
            slugs = await _suggested_slugs(client, f"{WORD} router password")
            hidden = {draft["slug"], archived["slug"]}
            indexed = slugs[:1] == [published["slug"]] and not hidden & set(slugs)
            return statuses == [200, 404, 404, 200] and indexed

        await eventually(ready, timeout_s=WAIT_S, what="the articles public and indexed")

    def article(made: dict[str, Any], title: str) -> Article:
        return Article(id=made["id"], slug=made["slug"], title=title)

    return Corpus(
        published=article(published, f"Reset your {WORD} router password"),
        draft=article(draft, f"Draft {WORD} router password plan"),
        archived=article(archived, f"Archived {WORD} router password guide"),
        hostile=article(hostile, f"Hostile {WORD} markup"),
    )


async def _deflections(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    rate = await client.get("/api/v1/kb/deflection-rate", headers=bearer(token))
    assert rate.status_code == 200, rate.text
    counts: dict[str, Any] = rate.json()
    return counts


async def _fill_request(page: Page, subject: str, message: str) -> None:
    await page.get_by_label("Your name").fill("Kb Customer")
    await page.get_by_label("Email").fill(f"kb.{RUN}@example.com")
    await page.get_by_label("Subject").fill(subject)
    await page.get_by_label("Message").fill(message)


async def _open_suggestion(page: Page, title: str) -> None:
    """Click a suggestion: the article opens in a new tab, which the customer reads and closes."""
    suggestions = page.get_by_test_id("kb-suggestions")
    link = suggestions.get_by_role("link", name=title)
    async with page.context.expect_page() as opened:
        await link.click()
    article = await opened.value
    await expect(article.get_by_role("heading", level=1, name=title)).to_be_visible()
    await article.close()


# --- the knowledge base pages ---------------------------------------------------------------


async def test_home_category_search_article_and_one_vote_per_visitor(
    page: Page,
    corpus: Corpus,
    api: httpx.AsyncClient,
    browser: Browser,
    knowledge_gateway: ServiceProcess,
) -> None:
    published = corpus.published
    # The portal's header links to the knowledge base.
    await page.goto("/support")
    await page.get_by_role("link", name="Help articles").click()
    await expect(page).to_have_url(re.compile(r"/support/kb$"))
    await expect(page.get_by_role("heading", level=1, name="Help articles")).to_be_visible()

    # The category is listed with its count (the draft and the archived one are not counted).
    categories = page.get_by_test_id("kb-categories")
    category_link = categories.get_by_role("link", name=re.compile(f"Kbui {RUN}"))
    await expect(category_link).to_contain_text("1 article")
    await category_link.click()
    await expect(page).to_have_url(re.compile(f"/support/kb/category/{CATEGORY}$"))
    listed = page.get_by_test_id("kb-category-articles")
    await expect(listed.get_by_role("link")).to_have_text([published.title])

    # Search: ranked results with a snippet that highlights the words.
    await page.get_by_role("searchbox", name="Search help articles").fill(f"{WORD} router")
    await page.get_by_role("button", name="Search").click()
    await expect(page).to_have_url(re.compile(r"/support/kb\?q="))
    results = page.get_by_test_id("kb-result")
    await expect(results.first.get_by_role("link")).to_have_text(published.title)
    await expect(results.first.get_by_test_id("kb-snippet")).to_contain_text("router")
    await expect(results.first.locator("mark").first).to_be_visible()
    await page.get_by_role("searchbox", name="Search help articles").fill(f"nothing{WORD}xyz")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_test_id("kb-no-results")).to_be_visible()

    # The article page renders its Markdown, with category, tags and the updated date.
    await page.goto(f"/support/kb/{published.slug}")
    article = page.get_by_test_id("kb-article")
    await expect(article.get_by_role("heading", level=1)).to_have_text(published.title)
    body = page.get_by_test_id("kb-article-body")
    await expect(body.get_by_role("heading", level=2)).to_have_text("Before you start")
    await expect(body.locator("strong")).to_have_text("admin password")
    await expect(body.locator("ol > li")).to_have_count(2)
    await expect(page.get_by_test_id("kb-article-category")).to_have_text(f"Kbui {RUN}")
    await expect(page.get_by_test_id("kb-article-tags").get_by_role("listitem")).to_have_text(
        ["router", "password"]
    )
    await expect(article.locator("time")).not_to_have_text("—")
    await expect(page.get_by_test_id("kb-vote-counts")).to_have_text(
        "0 found this helpful · 0 did not"
    )

    # A vote counts once: the thank-you shows, with the count.
    await page.get_by_role("button", name="Yes").click()
    await expect(page.get_by_test_id("kb-vote-thanks")).to_have_text("Thanks for your feedback!")
    await expect(page.get_by_test_id("kb-vote-counts")).to_have_text(
        "1 found this helpful · 0 did not"
    )
    await screenshot(page, "kb-article")
    # A reload remembers the vote (no buttons again).
    await page.reload()
    await expect(page.get_by_test_id("kb-vote-thanks")).to_be_visible()
    await expect(page.get_by_role("button", name="Yes")).to_have_count(0)

    # The same visitor voting again (its remembered vote forgotten, its id kept): no error, and
    # the count stays.
    await page.evaluate(f"() => localStorage.removeItem('dvika.kb.vote:{published.slug}')")
    await page.reload()
    await page.get_by_role("button", name="No").click()
    await expect(page.get_by_test_id("kb-vote-thanks")).to_have_text(
        "You already voted on this article. Thanks!"
    )
    await expect(page.get_by_test_id("kb-vote-counts")).to_have_text(
        "1 found this helpful · 0 did not"
    )
    await expect(page.get_by_role("alert")).to_have_count(0)
    read = await api.get(f"/api/v1/kb/articles/{published.slug}")
    assert (read.json()["helpful"], read.json()["unhelpful"]) == (1, 0)
    # With a helpful vote given, the KB home has a "Most helpful" list.
    await page.goto("/support/kb")
    await expect(
        page.get_by_role("list", name="Most helpful").get_by_role("link").first
    ).to_be_visible()

    # Another visitor (a new browser profile) counts too.
    fresh = await browser.new_context(base_url=knowledge_gateway.url, locale="en-US")
    try:
        other = await fresh.new_page()
        await other.goto(f"/support/kb/{published.slug}")
        await other.get_by_role("button", name="No").click()
        await expect(other.get_by_test_id("kb-vote-counts")).to_have_text(
            "1 found this helpful · 1 did not"
        )
    finally:
        await fresh.close()


async def test_drafts_and_archived_articles_never_show_and_their_slugs_are_not_found(
    page: Page, corpus: Corpus
) -> None:
    hidden = [corpus.draft.title, corpus.archived.title]
    await page.goto("/support/kb")
    await expect(page.get_by_test_id("kb-categories")).to_contain_text(f"Kbui {RUN}")
    await expect(
        page.get_by_role("list", name="Recently updated").get_by_role("link").first
    ).to_be_visible()
    await screenshot(page, "kb-home")
    for title in hidden:
        await expect(page.get_by_text(title)).to_have_count(0)

    await page.goto(f"/support/kb/category/{CATEGORY}")
    await expect(page.get_by_test_id("kb-category-articles").get_by_role("link")).to_have_text(
        [corpus.published.title]
    )

    # Both words required: only this run's router articles could match, and only one is public.
    await page.goto(f"/support/kb?q=%2B{WORD}%20%2Brouter")
    await expect(page.get_by_test_id("kb-result").get_by_role("link")).to_have_text(
        [corpus.published.title]
    )

    await page.goto("/support")
    await page.get_by_label("Subject").fill(f"{WORD} router password")
    suggestions = page.get_by_test_id("kb-suggestion")
    await expect(suggestions.first.get_by_role("link")).to_contain_text(corpus.published.title)
    for title in hidden:
        await expect(page.get_by_text(title)).to_have_count(0)

    for slug in (corpus.draft.slug, corpus.archived.slug, f"no-such-article-{RUN}"):
        await page.goto(f"/support/kb/{slug}")
        not_found = page.get_by_test_id("kb-not-found")
        await expect(not_found.get_by_role("heading", name="Article not found")).to_be_visible()
        await expect(page.get_by_test_id("kb-article")).to_have_count(0)
        for title in hidden:
            await expect(page.get_by_text(title)).to_have_count(0)
    await not_found.get_by_role("link", name="Browse help articles").click()
    await expect(page).to_have_url(re.compile(r"/support/kb$"))


INERT_CHECK = """() => ({
  pwned: typeof window.__pwned,
  handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
    .filter(a => a.name.toLowerCase().startsWith('on'))
    .map(a => el.tagName + ' ' + a.name)),
  scriptLinks: [...document.querySelectorAll('[href],[src]')]
    .map(el => (el.getAttribute('href') || el.getAttribute('src') || '')
      .replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase())
    .filter(url => url.startsWith('javascript:')),
  scripts: [...document.querySelectorAll('script')]
    .filter(s => s.textContent.includes('__pwned')).length,
})"""


async def test_hostile_markdown_is_inert(page: Page, corpus: Corpus) -> None:
    await page.goto(f"/support/kb/{corpus.hostile.slug}")
    body = page.get_by_test_id("kb-article-body")
    await expect(body).to_contain_text(f"Hostile {WORD} text.")
    # The markup the author wrote shows as text, if at all; it never becomes elements.
    await expect(body.locator("script, [onerror]")).to_have_count(0)
    link = body.get_by_role("link", name="click")
    if await link.count():
        await link.first.click()
    clickable = body.get_by_text("click", exact=False)
    if await clickable.count():
        await clickable.first.click()
    found = await page.evaluate(INERT_CHECK)
    assert found == {"pwned": "undefined", "handlers": [], "scriptLinks": [], "scripts": 0}, found
    await expect(page).to_have_url(re.compile(f"/support/kb/{corpus.hostile.slug}$"))

    # Its snippet in search results is text too.
    await page.goto(f"/support/kb?q=%2Bhostile%20%2B{WORD}")
    await expect(page.get_by_test_id("kb-result").get_by_role("link")).to_have_text(
        [corpus.hostile.title]
    )
    found = await page.evaluate(INERT_CHECK)
    assert found == {"pwned": "undefined", "handlers": [], "scriptLinks": [], "scripts": 0}, found


# --- suggestions and deflection on the submit form --------------------------------------------


async def test_suggestions_while_typing_and_deflection_only_without_a_submit(
    page: Page, corpus: Corpus, api: httpx.AsyncClient, manager_token: str
) -> None:
    published = corpus.published
    before = await _deflections(api, manager_token)

    # Typing shows at most 5 suggestions, each with a snippet, the expected article among them.
    await page.goto("/support")
    await page.get_by_label("Subject").fill(f"Forgot my {WORD} router password")
    await page.get_by_label("Message").fill("The router does not accept the admin password.")
    suggestions = page.get_by_test_id("kb-suggestion")
    await expect(suggestions.get_by_role("link", name=published.title)).to_be_visible()
    count = await suggestions.count()
    assert 1 <= count <= 5
    for index in range(count):
        await expect(suggestions.nth(index).get_by_test_id("kb-snippet")).not_to_be_empty()
    assert await page.get_by_test_id("kb-suggestions").get_by_role("link").count() <= 5
    assert await serious_axe_violations(page) == []
    await screenshot(page, "kb-suggestions")

    # Opening one, then leaving inside the app without submitting: one deflection.
    await _open_suggestion(page, published.title)
    await page.get_by_role("link", name="Track a ticket").click()
    await expect(page).to_have_url(re.compile(r"/support/track$"))

    async def one_more() -> dict[str, Any] | None:
        now = await _deflections(api, manager_token)
        return now if now["deflected"] == before["deflected"] + 1 else None

    after_leaving = await eventually(one_more, timeout_s=WAIT_S, what="a deflection counted")
    assert (
        after_leaving["sessions_with_article_opened"] == before["sessions_with_article_opened"] + 1
    )

    # Opening one, then leaving the page altogether (pagehide): one more.
    await page.goto("/support")
    await page.get_by_label("Subject").fill(f"{WORD} router password")
    await _open_suggestion(page, published.title)
    await page.goto("about:blank")

    async def two_more() -> dict[str, Any] | None:
        now = await _deflections(api, manager_token)
        return now if now["deflected"] == before["deflected"] + 2 else None

    after_pagehide = await eventually(two_more, timeout_s=WAIT_S, what="a second deflection")

    # Opening one and then submitting: the session counts as submitted, never deflected.
    await page.goto("/support")
    await _fill_request(page, f"{WORD} router password help", "Still locked out of the router.")
    await _open_suggestion(page, published.title)
    await page.get_by_role("button", name="Submit request").click()
    await expect(page.get_by_test_id("ticket-reference")).to_contain_text("DVK-")
    await page.goto("about:blank")  # leaving afterwards changes nothing

    async def submitted() -> dict[str, Any] | None:
        now = await _deflections(api, manager_token)
        wanted = after_pagehide["submitted_after_opening"] + 1
        return now if now["submitted_after_opening"] == wanted else None

    after_submit = await eventually(submitted, timeout_s=WAIT_S, what="the submit recorded")
    assert after_submit["deflected"] == after_pagehide["deflected"]
    # And a submit without opening anything is no deflection signal at all.
    await page.goto("/support")
    await _fill_request(page, f"{WORD} unrelated question", "Nothing to do with routers.")
    await page.get_by_role("button", name="Submit request").click()
    await expect(page.get_by_test_id("ticket-reference")).to_contain_text("DVK-")
    await page.goto("about:blank")
    final = await _deflections(api, manager_token)
    assert final["deflected"] == after_pagehide["deflected"]
    assert final["sessions_with_article_opened"] == after_submit["sessions_with_article_opened"]


# --- the chat widget --------------------------------------------------------------------------


async def test_the_chat_widget_suggests_articles_while_typing(
    page: Page, corpus: Corpus, knowledge_gateway: ServiceProcess
) -> None:
    await page.goto("/widget/demo")
    await page.get_by_role("button", name="Chat with support").click()
    dialog = page.get_by_role("dialog", name="Chat with us")
    await dialog.get_by_label("How can we help?").press_sequentially(
        f"my {WORD} router password", delay=20
    )
    suggestions = dialog.get_by_test_id("widget-suggestions")
    link = suggestions.get_by_role("link", name=corpus.published.title)
    await expect(link).to_be_visible()
    await expect(link).to_have_attribute(
        "href", f"{knowledge_gateway.url}/support/kb/{corpus.published.slug}"
    )
    await expect(link).to_have_attribute("target", "_blank")
    assert await suggestions.get_by_role("link").count() <= 5
    await expect(suggestions).to_contain_text(WORD)  # the snippet
    await expect(suggestions).not_to_contain_text(corpus.draft.title)
    await expect(suggestions).not_to_contain_text(corpus.archived.title)
    # It opens the portal's article page in a new tab.
    async with page.context.expect_page() as opened:
        await link.click()
    article = await opened.value
    await expect(article.get_by_role("heading", level=1)).to_have_text(corpus.published.title)
    await article.close()
    # Cleared text: no suggestions.
    await dialog.get_by_label("How can we help?").fill("")
    await expect(suggestions).to_be_hidden()


# --- accessibility ----------------------------------------------------------------------------


async def test_kb_pages_pass_axe(page: Page, corpus: Corpus) -> None:
    for path, ready in (
        ("/support/kb", page.get_by_test_id("kb-categories").get_by_role("link").first),
        (f"/support/kb/{corpus.published.slug}", page.get_by_test_id("kb-article-body")),
        (f"/support/kb/category/{CATEGORY}", page.get_by_test_id("kb-category-articles")),
        (f"/support/kb?q={WORD}", page.get_by_test_id("kb-result").first),
        (f"/support/kb/{corpus.draft.slug}", page.get_by_test_id("kb-not-found")),
    ):
        await page.goto(path)
        await expect(ready).to_be_visible()
        assert await serious_axe_violations(page) == [], path
    await screenshot(page, "kb-not-found")


# --- faults -----------------------------------------------------------------------------------


async def test_a_knowledge_base_that_fails_says_so_and_never_blocks_the_form(page: Page) -> None:
    async def unavailable(route: Route) -> None:
        await route.fulfill(
            status=503,
            content_type="application/json",
            body='{"detail": "the knowledge service cannot be reached"}',
        )

    await page.route("**/api/v1/kb/**", unavailable)
    await page.goto("/support/kb")
    await expect(page.get_by_role("alert").first).to_contain_text(
        "The help articles could not be loaded"
    )
    await page.goto("/support/kb/some-article")
    await expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
    await expect(page.get_by_test_id("kb-not-found")).to_have_count(0)

    # The submit form: no suggestions, no error, and the request still goes in.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    await page.goto("/support")
    await _fill_request(page, f"{WORD} router password", "Locked out, and the help is down.")

    async def suggestions_asked() -> bool:
        return any("/articles/suggest" in url for url in asked)

    await eventually(suggestions_asked, timeout_s=WAIT_S, what="suggestions asked for")
    await expect(page.get_by_test_id("kb-suggestion")).to_have_count(0)
    await expect(page.get_by_role("alert")).to_have_count(0)
    await page.get_by_role("button", name="Submit request").click()
    await expect(page.get_by_test_id("ticket-reference")).to_contain_text("DVK-")


async def test_the_page_cleans_article_html_again_whatever_the_api_answers(page: Page) -> None:
    """Defence in depth: even HTML that slipped past the service's sanitiser stays inert."""
    evil_html = (
        "<p>Safe <strong>text</strong> and <a href='https://example.com/ok'>a good link</a>.</p>"
        "<script>window.__pwned=1</script>"
        "<img src=x onerror='window.__pwned=2'>"
        "<a href=' JaVa\tScRiPt:window.__pwned=3'>click</a>"
        "<p onclick='window.__pwned=4'>para</p>"
        "<iframe src='javascript:window.__pwned=5'></iframe>"
        "<svg><script>window.__pwned=6</script></svg>"
    )
    article = {
        "id": str(uuid4()),
        "slug": f"evil-{RUN}",
        "title": "Evil",
        "category": "security",
        "tags": [],
        "language": "en",
        "html": evil_html,
        "version": 2,
        "published_at": None,
        "updated_at": None,
        "helpful": 0,
        "unhelpful": 0,
    }

    async def answer(route: Route) -> None:
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(article))

    await page.route(f"**/api/v1/kb/articles/evil-{RUN}", answer)
    await page.goto(f"/support/kb/evil-{RUN}")
    body = page.get_by_test_id("kb-article-body")
    await expect(body.locator("strong")).to_have_text("text")
    await expect(body.get_by_role("link", name="a good link")).to_have_attribute(
        "href", "https://example.com/ok"
    )
    link = body.get_by_text("click")
    if await link.count():
        await link.first.click()
    await body.get_by_text("para").click()
    found = await page.evaluate(INERT_CHECK)
    assert found == {"pwned": "undefined", "handlers": [], "scriptLinks": [], "scripts": 0}, found
    assert await body.locator("iframe, svg, script").count() == 0
    # The image stays, without its handler.
    assert await body.locator("img").get_attribute("src") == "x"
