"""Who may do what: every caller against every endpoint and view, allow or deny.

Callers: anonymous, a customer holding the ticket's tracking token, a customer holding another
ticket's token, and each staff role (and, for the knowledge base, an editor). "Deny" is 401
(who are you?), 403 (not your role) or 404 (a customer's wrong token answers exactly like a
missing ticket).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conftest import DEMO_PASSWORD, STAFF_ROLES, Stack, bearer
from support.processes import ServiceProcess

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
# `knowledge_gateway`: a gateway forwarding /api/v1/kb/... to a running knowledge service.
pytest_plugins = ["e2e.conftest_knowledge"]

CALLERS = ("anonymous", "customer", "other_customer", *STAFF_ROLES)
STAFF = set(STAFF_ROLES)
DENIED = {401, 403, 404}

# endpoint name → callers allowed
MATRIX: dict[str, set[str]] = {
    "submit": set(CALLERS),
    "read": {"customer", *STAFF},
    "reply_as_customer": {"customer"},
    "reply_as_agent": STAFF,
    "change_status": STAFF,
    "assign": STAFF,
    "update": STAFF,
    "escalate": STAFF,
    "history": STAFF,
    # Only the ticket's customer (the ticket is not resolved yet: 409, which is not a denial).
    "rate": {"customer"},
    "view:my_open": {"agent"},
    "view:all": {"manager", "admin"},
    "view:sla_breaches": {"manager", "admin"},
    "view:escalations": {"manager", "engineer"},
    "me": STAFF,
    "admin:agents": {"admin"},
    "admin:queues": {"admin"},
    # Asked last: the first allowed caller merges (200), the next ones find it closed (409).
    "merge": STAFF,
}

Request = Callable[[httpx.AsyncClient, dict[str, Any]], Any]


def _requests(ticket: dict[str, Any], other: dict[str, Any]) -> dict[str, Request]:
    tid = ticket["id"]
    base = f"/api/v1/tickets/{tid}"
    new_ticket = {
        "customer": {"name": "Matrix", "email": "matrix@example.com"},
        "subject": "Access matrix",
        "message": "Who may do what?",
    }
    requests: dict[str, Request] = {
        "submit": lambda c, kw: c.post("/api/v1/tickets", json=new_ticket, **kw),
        "read": lambda c, kw: c.get(base, **kw),
        "reply_as_customer": lambda c, kw: c.post(
            f"{base}/reply", json={"from": "customer", "message": "hi"}, **kw
        ),
        "reply_as_agent": lambda c, kw: c.post(
            f"{base}/reply", json={"from": "agent", "message": "hello"}, **kw
        ),
        "change_status": lambda c, kw: c.patch(f"{base}/status", json={"status": "open"}, **kw),
        "assign": lambda c, kw: c.patch(f"{base}/assign", json={"queue": "general"}, **kw),
        "update": lambda c, kw: c.patch(base, json={"priority": "P2"}, **kw),
        "escalate": lambda c, kw: c.post(
            f"{base}/escalate", json={"reason": "matrix", "tier": "L2"}, **kw
        ),
        "history": lambda c, kw: c.get(f"{base}/history", **kw),
        "rate": lambda c, kw: c.post(f"{base}/rating", json={"rating": "good"}, **kw),
        "me": lambda c, kw: c.get("/api/v1/auth/me", **kw),
        "admin:agents": lambda c, kw: c.get("/api/v1/admin/agents", **kw),
        "admin:queues": lambda c, kw: c.get("/api/v1/admin/queues", **kw),
    }
    for view in ("my_open", "all", "sla_breaches", "escalations"):
        requests[f"view:{view}"] = _list_view(view)
    requests["merge"] = lambda c, kw: c.post(f"{base}/merge", json={"into": other["id"]}, **kw)
    return requests


def _list_view(view: str) -> Request:
    def request(client: httpx.AsyncClient, kw: dict[str, Any]) -> Any:
        params = {"view": view, **kw.get("params", {})}
        return client.get("/api/v1/tickets", params=params, headers=kw.get("headers"))

    return request


def _credentials(caller: str, ticket: dict[str, Any], other: dict[str, Any],
                 tokens: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    if caller == "customer":
        return {"params": {"token": ticket["tracking_token"]}}
    if caller == "other_customer":
        return {"params": {"token": other["tracking_token"]}}
    if caller in STAFF:
        return {"headers": bearer(tokens[caller])}
    return {}


async def test_every_caller_against_every_endpoint(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=20) as client:
        made = [
            (await client.post(
                "/api/v1/tickets",
                json={"customer": {"name": n, "email": f"{n}@example.com"},
                      "subject": "Matrix subject", "message": "Matrix message"},
            )).json()
            for n in ("owner", "stranger")
        ]  # fmt: skip
        ticket, other = made
        requests = _requests(ticket, other)
        assert set(requests) == set(MATRIX)
        wrong: list[str] = []
        for name, request in requests.items():
            for caller in CALLERS:
                response = await request(client, _credentials(caller, ticket, other, staff_tokens))
                allowed = caller in MATRIX[name]
                if response.status_code >= 500 or (response.status_code in DENIED) == allowed:
                    wrong.append(f"{name} as {caller}: {response.status_code} {response.text[:80]}")
    assert not wrong, "\n".join(wrong)


# -- knowledge base ------------------------------------------------------------------------
# Public routes forward no identity, so whoever asks, a draft or an archived article is never
# returned; the editors' routes (`/api/v1/kb/admin/...`) are for editors, managers and admins.

KB = "/api/v1/kb"
KB_CALLERS = ("anonymous", "customer", *STAFF_ROLES, "editor")
KB_EDITORS = {"editor", "manager", "admin"}
KB_ADMIN_ROWS = ("kb:admin:list", "kb:admin:draft", "kb:admin:archived")


async def _kb_article(
    client: httpx.AsyncClient, editor: dict[str, str], title: str, category: str, body: str
) -> dict[str, Any]:
    made = await client.post(
        f"{KB}/admin/articles",
        json={"title": title, "body": body, "category": category, "tags": ["matrix"]},
        headers=editor,
    )
    assert made.status_code == 201, made.text
    article: dict[str, Any] = made.json()
    return article


async def _kb_step(
    client: httpx.AsyncClient, editor: dict[str, str], article: dict[str, Any], step: str
) -> dict[str, Any]:
    done = await client.post(
        f"{KB}/admin/articles/{article['id']}/{step}",
        json={"version": article["version"]},
        headers=editor,
    )
    assert done.status_code == 200, done.text
    changed: dict[str, Any] = done.json()
    return changed


async def _kb_callers(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Request options per caller: a staff bearer token from this gateway (each gateway of the
    tests signs with its own key), a customer's tracking token, nothing for anonymous."""
    suffix = uuid.uuid4().hex[:8]
    editor = {"email": f"matrix-editor-{suffix}@example.com", "name": "Matrix Editor",
              "role": "editor", "password": "matrix editor passphrase"}  # fmt: skip
    created = await client.post("/api/v1/admin/agents", json=editor, headers=admin)
    assert created.status_code == 201, created.text
    accounts = {role: (f"{role}@demo.dvika.care", DEMO_PASSWORD) for role in STAFF_ROLES}
    accounts["editor"] = (editor["email"], editor["password"])
    options: dict[str, dict[str, Any]] = {"anonymous": {}}
    for role, (email, password) in accounts.items():
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        options[role] = {"headers": bearer(login.json()["access_token"])}
    ticket = await client.post(
        "/api/v1/tickets",
        json={"customer": {"name": "Reader", "email": "reader@example.com"},
              "subject": "KB matrix", "message": "Can I read drafts?"},
    )  # fmt: skip
    assert ticket.status_code == 201, ticket.text
    token = ticket.json()["tracking_token"]
    options["customer"] = {"params": {"token": token}, "headers": {"X-Tracking-Token": token}}
    return options


def _with(kw: dict[str, Any], **params: Any) -> dict[str, Any]:
    return {**kw, "params": {**kw.get("params", {}), **params}}


async def test_knowledge_base_drafts_and_archived_articles_stay_unseen(
    knowledge_gateway: ServiceProcess, staff_tokens: dict[str, str]
) -> None:
    assert staff_tokens  # the demo accounts exist (their tokens are another gateway's)
    word = f"zq{uuid.uuid4().hex[:10]}"  # in every article: the searches find only these
    async with httpx.AsyncClient(base_url=knowledge_gateway.url, timeout=20) as client:
        admin_login = await client.post(
            "/api/v1/auth/login",
            json={"email": "admin@demo.dvika.care", "password": DEMO_PASSWORD},
        )
        assert admin_login.status_code == 200, admin_login.text
        admin = bearer(admin_login.json()["access_token"])
        callers = await _kb_callers(client, admin)
        categories = {s: f"{s}-{word}" for s in ("published", "draft", "archived")}
        made = {
            state: await _kb_article(
                client, admin, f"Matrix {state} {word}", categories[state],
                f"How to {word} the {state} way.",
            )
            for state in categories
        }  # fmt: skip
        await _kb_step(client, admin, made["published"], "publish")
        published_once = await _kb_step(client, admin, made["archived"], "publish")
        await _kb_step(client, admin, published_once, "archive")
        hidden = {made["draft"]["slug"], made["archived"]["slug"]}
        shown = made["published"]["slug"]

        wrong: list[str] = []
        for caller in KB_CALLERS:
            kw = callers[caller]
            for slug in hidden:
                one = await client.get(f"{KB}/articles/{slug}", **kw)
                if one.status_code != 404:
                    wrong.append(f"article {slug} as {caller}: {one.status_code}")
            visible = await client.get(f"{KB}/articles/{shown}", **kw)
            if visible.status_code != 200:
                wrong.append(f"published article as {caller}: {visible.status_code}")
            for name, path, params in (
                ("search", "/articles/search", {"q": word, "limit": 50}),
                ("suggest", "/articles/suggest", {"q": f"{word} way", "limit": 5}),
                *(("list", "/articles", {"category": c, "limit": 100})
                  for c in categories.values()),
            ):  # fmt: skip
                answer = await client.get(f"{KB}{path}", **_with(kw, **params))
                slugs = {item["slug"] for item in answer.json().get("items", [])}
                if answer.status_code != 200 or slugs & hidden:
                    wrong.append(f"{name} {params} as {caller}: {answer.status_code} {slugs}")
                if name != "list" and shown not in slugs:
                    wrong.append(f"{name} as {caller} misses the published article")
            listed = await client.get(f"{KB}/categories", **kw)
            counts = {i["category"]: i["articles"] for i in listed.json().get("items", [])}
            if counts.get(categories["published"]) != 1 or (
                {categories["draft"], categories["archived"]} & set(counts)
            ):
                wrong.append(f"categories as {caller}: {listed.status_code} {counts}")

            admin_rows = {
                "kb:admin:list": f"{KB}/admin/articles",
                "kb:admin:draft": f"{KB}/admin/articles/{made['draft']['id']}",
                "kb:admin:archived": f"{KB}/admin/articles/{made['archived']['id']}",
            }
            assert set(admin_rows) == set(KB_ADMIN_ROWS)
            for row, path in admin_rows.items():
                answer = await client.get(path, **kw)
                if caller in KB_EDITORS:
                    ok = answer.status_code == 200
                elif caller in STAFF:  # signed in, not an editor: "not your role"
                    ok = answer.status_code == 403
                else:  # no account at all: "who are you?"
                    ok = answer.status_code in DENIED
                if not ok:
                    wrong.append(f"{row} as {caller}: {answer.status_code} {answer.text[:80]}")
    assert not wrong, "\n".join(wrong)
