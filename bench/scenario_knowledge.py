"""suggest: knowledge-base suggestions through the gateway, and how often they are right.

1. The relevance corpus (`kb_corpus`, 200 articles) is drafted and published through
   `/api/v1/kb/admin/articles` as a manager (an editor role), several requests at a time;
   its 200 customer-worded queries go to `GET /api/v1/kb/articles/suggest?limit=3`: the share
   whose known article is among the 3 is the relevance figure (the unit test's, end to end).
2. Filler articles bring the base to N published articles (5,000 in the full run), loaded
   the same way; the relevance figure at N is noted beside it.
3. Open loop: the same queries (and word-prefixes of them, as a customer types) at a fixed
   rate to `/api/v1/kb/articles/suggest`, timed from when each was due.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

import httpx

from bench.kb_corpus import GeneratedArticle, Query, filler_articles, relevance_corpus
from bench.measure import Latencies, open_loop
from bench.report import Result
from bench.scenario_memory import TARGET_MB, rss_mb
from bench.stack import KNOWLEDGE_PORT, Stack, on_demand_service

SUGGEST = "/api/v1/kb/articles/suggest"
ADMIN_ARTICLES = "/api/v1/kb/admin/articles"
TARGET_P95_MS = 50
TARGET_TOP3_PERCENT = 85
EDITOR = "manager@demo.dvika.care"  # managers are editors of the knowledge base


@dataclass
class Loaded:
    slugs: dict[str, str]  # generated key → slug the service chose
    seconds: float
    failures: int


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "dvika-demo"}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def load(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    articles: Iterable[GeneratedArticle],
    concurrency: int,
) -> Loaded:
    """Draft and publish each article through the API, `concurrency` at a time."""
    queue: asyncio.Queue[GeneratedArticle | None] = asyncio.Queue()
    for article in articles:
        queue.put_nowait(article)
    for _ in range(concurrency):
        queue.put_nowait(None)
    slugs: dict[str, str] = {}
    failures = 0

    async def one(article: GeneratedArticle) -> None:
        # The Idempotency-Key makes a retried request the same command, never a second draft.
        drafted = await client.post(
            ADMIN_ARTICLES,
            json=article.as_request(),
            headers={**headers, "Idempotency-Key": f"bench-draft-{article.key}"},
        )
        drafted.raise_for_status()
        made = drafted.json()
        published = await client.post(
            f"{ADMIN_ARTICLES}/{made['id']}/publish",
            json={"version": made["version"]},
            headers={**headers, "Idempotency-Key": f"bench-publish-{article.key}"},
        )
        published.raise_for_status()
        slugs[article.key] = made["slug"]

    async def worker() -> None:
        nonlocal failures
        while (article := await queue.get()) is not None:
            for attempt in range(3):
                try:
                    await one(article)
                    break
                except httpx.HTTPError:
                    if attempt == 2:
                        failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Loaded(slugs, time.perf_counter() - started, failures)


async def top3_share(client: httpx.AsyncClient, queries: list[Query], slugs: dict[str, str]) -> int:
    """How many queries find their article among the first 3 suggestions."""
    right = 0
    for query in queries:
        answer = await client.get(SUGGEST, params={"q": query.text, "limit": 3})
        answer.raise_for_status()
        found = {item["slug"] for item in answer.json()["items"]}
        right += slugs.get(query.expected) in found
    return right


def typed(queries: list[Query], seed: int = 3) -> list[str]:
    """The queries whole, and word-prefixes of them (what a customer has typed so far)."""
    rng = random.Random(seed)
    out = []
    for query in queries:
        words = query.text.split()
        out.append(query.text)
        out.append(" ".join(words[: rng.randint(2, max(2, len(words) - 1))]))
    return out


async def suggest(
    stack: Stack, articles: int, rate: float, seconds: float, concurrency: int = 16
) -> list[Result]:
    started = time.perf_counter()
    with on_demand_service(stack, "knowledge", KNOWLEDGE_PORT) as process:
        start_s = time.perf_counter() - started
        rows = await _suggest(stack, articles, rate, seconds, concurrency)
        memory = rss_mb(process.pid)
    rows[0] = replace(rows[0], detail=f"{rows[0].detail}; knowledge ready in {start_s:.1f} s")
    return [
        *rows,
        Result(
            scenario="memory",
            metric=f"RSS of knowledge after suggest ({articles:,} articles)",
            value=round(memory, 1),
            unit="MB",
            target=f"< {TARGET_MB}",
            met=memory < TARGET_MB,
            detail="VmRSS of the service process, which also indexes every ticket in the log "
            "(none unless an earlier scenario seeded them: list, reports)",
        ),
    ]


async def _suggest(
    stack: Stack, articles: int, rate: float, seconds: float, concurrency: int
) -> list[Result]:
    corpus, queries = relevance_corpus()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, limits=limits) as client:
        headers = await _login(client, EDITOR)
        first = await load(client, headers, corpus, concurrency)
        if first.failures:
            raise RuntimeError(f"{first.failures} of the relevance corpus failed to load")
        right = await top3_share(client, queries, first.slugs)
        rest = await load(client, headers, filler_articles(articles - len(corpus)), concurrency)
        published = await _published(client)
        right_at_n = await top3_share(client, queries, first.slugs)
        texts = typed(queries)
        turn = 0

        async def request() -> bool:
            nonlocal turn
            text = texts[turn % len(texts)]
            turn += 1
            answer = await client.get(SUGGEST, params={"q": text})
            return answer.status_code == 200 and len(answer.json()["items"]) <= 5

        got = await open_loop(request, rate, seconds)
    loaded = len(first.slugs) + len(rest.slugs)
    load_s = first.seconds + rest.seconds
    load_note = (
        f"{loaded:,} articles drafted and published through the gateway as a manager in "
        f"{load_s:.1f} s ({loaded / max(load_s, 1e-9):.0f} articles/s, {concurrency} at a time, "
        f"{first.failures + rest.failures} failed); {published:,} published"
    )
    return [
        _latency(got, published, rate, load_note),
        Result(
            scenario="suggest",
            metric="right article in top 3, 200 queries, 200 articles",
            value=round(100 * right / len(queries), 1),
            unit="%",
            target=f">= {TARGET_TOP3_PERCENT}",
            met=100 * right / len(queries) >= TARGET_TOP3_PERCENT,
            detail=f"{right}/{len(queries)} through the gateway; among all {published:,} "
            f"published articles: {right_at_n}/{len(queries)} "
            f"({100 * right_at_n / len(queries):.1f} %), a worst case: the filler articles "
            "are the same products' and problems' words shuffled, titles included",
        ),
    ]


async def _published(client: httpx.AsyncClient) -> int:
    """Published articles, as the public categories count them."""
    answer = await client.get("/api/v1/kb/categories")
    answer.raise_for_status()
    return sum(int(item["articles"]) for item in answer.json()["items"])


def _latency(got: Latencies, published: int, rate: float, load_note: str) -> Result:
    return Result(
        scenario="suggest",
        metric=f"p95 latency of suggestions at {published:,} articles",
        value=round(got.p95_ms, 1),
        unit="ms",
        target=f"< {TARGET_P95_MS}",
        met=got.p95_ms < TARGET_P95_MS and got.errors == 0,
        detail=f"p50 {got.p50_ms:.1f} ms, p99 {got.p99_ms:.1f} ms, {got.count} requests "
        f"open loop at {rate:g}/s, {got.errors} errors; {load_note}",
    )
