"""Who may do what: every caller against every endpoint and view, allow or deny.

Callers: anonymous, a customer holding the ticket's tracking token, a customer holding another
ticket's token, and each staff role. "Deny" is 401 (who are you?), 403 (not your role) or 404
(a customer's wrong token answers exactly like a missing ticket).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conftest import STAFF_ROLES, Stack, bearer

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

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
