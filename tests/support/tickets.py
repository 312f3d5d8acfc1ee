"""Submitting a ticket over the public API, as a customer would, for tests that need one."""

from __future__ import annotations

from typing import Any

import httpx


async def submit_ticket(
    client: httpx.AsyncClient,
    subject: str,
    message: str = "Export to CSV fails with an error.",
    **extra: Any,
) -> dict[str, Any]:
    """The 201 answer (id, reference, version, tracking_token, tracking_url)."""
    body = {
        "customer": {"name": "Lin Customer", "email": "lin@example.com"},
        "subject": subject,
        "message": message,
        **extra,
    }
    created = await client.post("/api/v1/tickets", json=body)
    assert created.status_code == 201, created.text
    ticket: dict[str, Any] = created.json()
    return ticket
