"""The knowledge service against real Kafka and MongoDB, through a gateway that forwards to it.

The knowledge service runs as its own process (a free port) with a gateway of its own
pointed at it (`DVIKA_KNOWLEDGE_URL`), beside the shared tickets service and gateway. Every
article this module makes carries the run's id, so earlier runs' articles (the log and the
database outlive a run) never change what is asserted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from conftest import DEMO_PASSWORD, STAFF_ROLES, TEST_DATABASE, Stack, bearer
from support.ports import free_port
from support.processes import ServiceProcess
from support.tickets import submit_ticket
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

RUN = uuid4().hex[:8]
# A made-up word per run: only this run's articles and tickets contain it.
WORD = f"zq{RUN}"


@dataclass
class Kb:
    process: ServiceProcess
    gateway: ServiceProcess
    env: dict[str, str]
    tokens: dict[str, str]
    index_dir: Path


@pytest.fixture(scope="module")
async def kb(
    stack: Stack, staff_tokens: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Kb]:
    index_dir = tmp_path_factory.mktemp("kb-index")
    env = {**stack.env, "DVIKA_KNOWLEDGE_INDEX_DIR": str(index_dir)}
    process = ServiceProcess("knowledge", free_port(), env)
    gateway = ServiceProcess("gateway", free_port(), {**env, "DVIKA_KNOWLEDGE_URL": process.url})
    try:
        process.start()  # ready means both logs have been read
        gateway.start()
        tokens = {}
        async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
            for role in STAFF_ROLES:
                login = await client.post(
                    "/api/v1/auth/login",
                    json={"email": f"{role}@demo.dvika.care", "password": DEMO_PASSWORD},
                )
                assert login.status_code == 200, login.text
                tokens[role] = login.json()["access_token"]
        running = Kb(process, gateway, env, tokens, index_dir)
        yield running
        # A test may have replaced the process (the rebuild test restarts it).
        process = running.process
    finally:
        gateway.stop()
        process.stop()


@pytest.fixture
async def client(kb: Kb) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=kb.gateway.url, timeout=15) as http:
        yield http


def _article(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "body": f"Open **Settings** and follow the {WORD} steps.\n\n"
        "<script>alert(1)</script> [bad](javascript:alert(1))",
        "category": f"kb-{RUN}",
        "tags": ["howto"],
        **extra,
    }


async def _create(client: httpx.AsyncClient, kb: Kb, title: str) -> dict[str, Any]:
    made = await client.post(
        "/api/v1/kb/admin/articles", json=_article(title), headers=bearer(kb.tokens["manager"])
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def _publish(client: httpx.AsyncClient, kb: Kb, made: dict[str, Any]) -> dict[str, Any]:
    done = await client.post(
        f"/api/v1/kb/admin/articles/{made['id']}/publish",
        json={"version": made["version"]},
        headers=bearer(kb.tokens["admin"]),
    )
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


async def _search_slugs(client: httpx.AsyncClient, q: str) -> list[str]:
    found = await client.get("/api/v1/kb/articles/search", params={"q": q, "limit": 20})
    assert found.status_code == 200, found.text
    return [item["slug"] for item in found.json()["items"]]


async def test_create_publish_search_archive_and_customers_never_see_a_draft(
    client: httpx.AsyncClient, kb: Kb
) -> None:
    title = f"Reset your {WORD} password"
    # Only editors draft: anonymous 401, an agent 403.
    assert (await client.post("/api/v1/kb/admin/articles", json=_article(title))).status_code == 401
    as_agent = await client.post(
        "/api/v1/kb/admin/articles", json=_article(title), headers=bearer(kb.tokens["agent"])
    )
    assert as_agent.status_code == 403
    # Invalid input: 422, nothing written.
    bad = await client.post(
        "/api/v1/kb/admin/articles",
        json={**_article(title), "category": "Not A Category!"},
        headers=bearer(kb.tokens["manager"]),
    )
    assert bad.status_code == 422
    made = await _create(client, kb, title)
    assert made["version"] == 1
    assert made["slug"] == f"reset-your-{WORD}-password"
    slug = made["slug"]

    # A draft: 404 for anyone through the public routes, and not searchable.
    assert (await client.get(f"/api/v1/kb/articles/{slug}")).status_code == 404
    staff_public = await client.get(
        f"/api/v1/kb/articles/{slug}", headers=bearer(kb.tokens["admin"])
    )
    assert staff_public.status_code == 404
    assert await _search_slugs(client, WORD) == []

    published = await _publish(client, kb, made)
    assert published["version"] == 2
    page = await client.get(f"/api/v1/kb/articles/{slug}")
    assert page.status_code == 200, page.text
    html = page.json()["html"]
    assert "<strong>Settings</strong>" in html
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "status" not in page.json()
    assert "body" not in page.json()
    assert slug in await _search_slugs(client, WORD)
    suggested = await client.get(
        "/api/v1/kb/articles/suggest", params={"q": f"how do I reset my {WORD} password?"}
    )
    items = suggested.json()["items"]
    assert items[0]["slug"] == slug
    assert WORD in items[0]["snippet"]
    categories = (await client.get("/api/v1/kb/categories")).json()["items"]
    assert {"category": f"kb-{RUN}", "articles": 1} in categories

    # A stale version is refused and changes nothing.
    stale = await client.post(
        f"/api/v1/kb/admin/articles/{made['id']}/archive",
        json={"version": 1},
        headers=bearer(kb.tokens["manager"]),
    )
    assert stale.status_code == 409, stale.text
    assert (await client.get(f"/api/v1/kb/articles/{slug}")).status_code == 200

    archived = await client.post(
        f"/api/v1/kb/admin/articles/{made['id']}/archive",
        json={"version": 2, "reason": "replaced"},
        headers=bearer(kb.tokens["manager"]),
    )
    assert archived.status_code == 200
    assert archived.json()["version"] == 3
    assert (await client.get(f"/api/v1/kb/articles/{slug}")).status_code == 404
    assert await _search_slugs(client, WORD) == []
    listed = (await client.get("/api/v1/kb/articles", params={"category": f"kb-{RUN}"})).json()
    assert listed["items"] == []

    # Editors still see it, with its history, and can restore a revision.
    admin_view = await client.get(
        f"/api/v1/kb/admin/articles/{made['id']}", headers=bearer(kb.tokens["admin"])
    )
    assert admin_view.status_code == 200
    assert admin_view.json()["status"] == "archived"
    assert [r["version"] for r in admin_view.json()["revisions"]] == [1]
    restored = await client.post(
        f"/api/v1/kb/admin/articles/{made['id']}/restore",
        json={"version": 3, "from_version": 1},
        headers=bearer(kb.tokens["admin"]),
    )
    assert restored.status_code == 200
    assert restored.json()["version"] == 4


async def test_votes_count_once_per_visitor_and_repeats_are_not_errors(
    client: httpx.AsyncClient, kb: Kb, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    made = await _create(client, kb, f"Vote on {WORD} shipping")
    draft_vote = await client.post(
        f"/api/v1/kb/articles/{made['slug']}/votes", json={"helpful": True, "visitor": "v" * 16}
    )
    assert draft_vote.status_code == 404
    await _publish(client, kb, made)
    url = f"/api/v1/kb/articles/{made['slug']}/votes"
    first = await client.post(url, json={"helpful": True, "visitor": f"visitor-a-{RUN}"})
    assert first.status_code == 201, first.text
    assert first.json() == {"counted": True, "helpful": 1, "unhelpful": 0}
    again = await client.post(url, json={"helpful": False, "visitor": f"visitor-a-{RUN}"})
    assert again.status_code == 200
    assert again.json() == {"counted": False, "helpful": 1, "unhelpful": 0}
    by_cookie = await client.post(
        url, json={"helpful": False}, headers={"Cookie": f"dvika_kb_visitor=visitor-b-{RUN}"}
    )
    assert by_cookie.status_code == 201
    assert by_cookie.json() == {"counted": True, "helpful": 1, "unhelpful": 1}
    nobody = await client.post(url, json={"helpful": True})
    assert nobody.status_code == 422
    stored = await mongo[TEST_DATABASE]["knowledge_votes"].count_documents(
        {"article_id": made["id"]}
    )
    assert stored == 2
    page = (await client.get(f"/api/v1/kb/articles/{made['slug']}")).json()
    assert (page["helpful"], page["unhelpful"]) == (1, 1)


async def test_deflections_are_counted_for_staff(client: httpx.AsyncClient, kb: Kb) -> None:
    assert (await client.get("/api/v1/kb/deflection-rate")).status_code == 401
    staff = bearer(kb.tokens["manager"])
    before = (await client.get("/api/v1/kb/deflection-rate", headers=staff)).json()
    for session, submitted in ((f"s1-{RUN}", False), (f"s2-{RUN}", True)):
        opened = await client.post(
            "/api/v1/kb/deflections", json={"session_id": session, "article": "some-article"}
        )
        assert opened.status_code == 200, opened.text
        if submitted:
            later = await client.post(
                "/api/v1/kb/deflections", json={"session_id": session, "submitted": True}
            )
            assert later.json() == {
                "session_id": session,
                "opened": ["some-article"],
                "submitted": True,
            }
    empty = await client.post("/api/v1/kb/deflections", json={"session_id": f"s3-{RUN}"})
    assert empty.status_code == 422
    after = (await client.get("/api/v1/kb/deflection-rate", headers=staff)).json()
    assert after["sessions_with_article_opened"] == before["sessions_with_article_opened"] + 2
    assert after["submitted_after_opening"] == before["submitted_after_opening"] + 1
    assert after["deflected"] == before["deflected"] + 1
    assert 0 < after["rate"] <= 1


async def test_agents_suggest_and_editors_see_the_suggestions(
    client: httpx.AsyncClient, kb: Kb
) -> None:
    made = await _create(client, kb, f"Outdated {WORD} guide")
    ticket_id = str(uuid4())
    flagged = await client.post(
        "/api/v1/kb/suggestions",
        json={
            "kind": "outdated",
            "ticket_id": ticket_id,
            "ticket_reference": "DVK-1234",
            "article": made["slug"],
            "note": "The menu moved.",
        },
        headers=bearer(kb.tokens["agent"]),
    )
    assert flagged.status_code == 201, flagged.text
    unknown = await client.post(
        "/api/v1/kb/suggestions",
        json={"kind": "outdated", "ticket_id": ticket_id, "article": f"nope-{RUN}"},
        headers=bearer(kb.tokens["agent"]),
    )
    assert unknown.status_code == 422
    anonymous = await client.post(
        "/api/v1/kb/suggestions", json={"kind": "new_article", "ticket_id": ticket_id}
    )
    assert anonymous.status_code == 401
    agent_list = await client.get(
        "/api/v1/kb/admin/suggestions", headers=bearer(kb.tokens["agent"])
    )
    assert agent_list.status_code == 403
    listed = await client.get("/api/v1/kb/admin/suggestions", headers=bearer(kb.tokens["manager"]))
    mine = [s for s in listed.json()["items"] if s["id"] == flagged.json()["id"]]
    assert len(mine) == 1
    assert mine[0]["ticket_id"] == ticket_id
    assert mine[0]["ticket_reference"] == "DVK-1234"
    assert mine[0]["article_id"] == made["id"]
    assert mine[0]["kind"] == "outdated"
    assert mine[0]["raised_by_name"], "the agent's name, so editors need no account lookup"


async def test_similar_tickets_for_a_submitted_ticket(
    client: httpx.AsyncClient, kb: Kb, stack: Stack
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as tickets:
        first = await submit_ticket(
            tickets, f"Blender {WORD} leaks water", f"My blender {WORD} leaks water everywhere."
        )
        await submit_ticket(tickets, f"Invoice {RUN} address", "Please change my invoice address.")
        third = await submit_ticket(
            tickets, f"Water leaking from {WORD} blender", f"The {WORD} blender is leaking."
        )
    staff = bearer(kb.tokens["agent"])
    url = f"/api/v1/kb/similar-tickets/{third['id']}"
    assert (await client.get(url)).status_code == 401

    async def similar() -> list[dict[str, Any]] | None:
        answer = await client.get(url, headers=staff)
        if answer.status_code != 200:
            return None
        items: list[dict[str, Any]] = answer.json()["items"]
        return items or None

    found = await eventually(similar, timeout_s=30, what="similar tickets")
    assert found[0]["id"] == first["id"]
    assert found[0]["reference"] == first["reference"]
    assert {"id", "reference", "subject", "status", "score"} <= set(found[0])
    assert third["id"] not in {t["id"] for t in found}
    assert len(found) <= 5
    unknown = await client.get(f"/api/v1/kb/similar-tickets/{uuid4()}", headers=staff)
    assert unknown.status_code == 404


async def test_rebuilding_from_the_log_gives_the_same_read_model_and_search(
    client: httpx.AsyncClient, kb: Kb, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    made = await _create(client, kb, f"Rebuild {WORD} article")
    await _publish(client, kb, made)
    revised = await client.put(
        f"/api/v1/kb/admin/articles/{made['id']}",
        json={**_article(f"Rebuild {WORD} article"), "body": f"New {WORD} text", "version": 2},
        headers=bearer(kb.tokens["manager"]),
    )
    assert revised.status_code == 200, revised.text
    db = mongo[TEST_DATABASE]

    async def snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
        articles = await db["knowledge_articles"].find({}).sort("_id", 1).to_list()
        revisions = await db["knowledge_revisions"].find({}).sort("_id", 1).to_list()
        return articles, revisions, await _search_slugs(client, WORD)

    before = await snapshot()
    assert len(before[0]) >= 4
    assert before[2]
    kb.process.stop()
    rebuilt = ServiceProcess(
        "knowledge", kb.process.port, {**kb.env, "DVIKA_KNOWLEDGE_REBUILD": "true"}
    )
    rebuilt.start()
    kb.process = rebuilt
    after = await snapshot()
    assert after[0] == before[0]
    assert after[1] == before[1]
    # The search indexes were rebuilt in the same folder, over the last run's files.
    assert after[2] == before[2]
    assert {path.parent.name for path in kb.index_dir.glob("*/meta.json")} == {
        "articles",
        "tickets",
    }


async def test_articles_list_by_title_latest_or_most_helpful(
    client: httpx.AsyncClient, kb: Kb
) -> None:
    older = await _publish(client, kb, await _create(client, kb, f"Alpha {WORD} order"))
    newer = await _publish(client, kb, await _create(client, kb, f"Beta {WORD} order"))
    url = f"/api/v1/kb/articles/{older['slug']}/votes"
    voted = await client.post(url, json={"helpful": True, "visitor": f"order-{RUN}"})
    assert voted.status_code == 201, voted.text

    async def slugs(sort: str) -> list[str]:
        params: dict[str, str | int] = {"category": f"kb-{RUN}", "sort": sort, "limit": 100}
        listed = await client.get("/api/v1/kb/articles", params=params)
        assert listed.status_code == 200, listed.text
        ours = (older["slug"], newer["slug"])
        return [a["slug"] for a in listed.json()["items"] if a["slug"] in ours]

    assert await slugs("title") == [older["slug"], newer["slug"]]
    assert await slugs("-updated") == [newer["slug"], older["slug"]]
    assert await slugs("-helpful") == [older["slug"], newer["slug"]]
    wrong = await client.get("/api/v1/kb/articles", params={"sort": "popularity"})
    assert wrong.status_code == 422
