"""What several scenarios share: logging in, a ticket to submit, the live feed's address."""

from __future__ import annotations

from typing import Any

import httpx

from bench.stack import Stack

MANAGER = {"email": "manager@demo.dvika.care", "password": "dvika-demo"}


async def staff_token(client: httpx.AsyncClient) -> str:
    """An access token of a staff member (the demo manager); one token serves many sockets."""
    answer = await client.post("/api/v1/auth/login", json=MANAGER)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def ticket_body(n: int) -> dict[str, Any]:
    """The JSON of `POST /api/v1/tickets` for the n-th ticket of a run."""
    return {
        "customer": {"name": f"Bench Customer {n % 1000}", "email": f"b{n % 1000}@example.com"},
        "category": "technical",
        "priority": "P3",
        "subject": f"Export to csv times out, order BENCH{n:07d}",
        "message": "Hello, the export of last month's report stops with a timeout. " * 2,
    }


def live_url(stack: Stack, token: str) -> str:
    return f"{stack.gateway_url.replace('http://', 'ws://')}/ws?access_token={token}"


def http_client(stack: Stack, connections: int = 200) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, limits=limits)
