"""Slack's slash-command `/dvika-care` at `POST /api/v1/intake/slack`, sent with httpx as
Slack sends it (form-encoded, signed `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`), through a
gateway that forwards it to the intake.

`new <words>` answers an ephemeral message with the reference, which the gateway's API then
shows; `status DVK-…` answers the status an agent set; a forged and a stale request answer 401.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import pytest
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE, Stack, bearer
from intake.adapters.reference_store import ReferenceStore, StatusChange, TicketStatus
from support.kafka_tools import read_events
from support.processes import ServiceProcess
from support.waiting import eventually

if TYPE_CHECKING:
    from e2e.conftest_intake import Intake

pytest_plugins = ["e2e.conftest_intake"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

WAIT_S = 30
SECRET = "dev-slack-signing-secret"  # the development default, as the README says
PATH = "/api/v1/intake/slack"


def _form(text: str, user_id: str = "U0ADA42") -> bytes:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": "C2147483705",
            "channel_name": "support",
            "user_id": user_id,
            "user_name": "ada.lovelace",
            "command": "/dvika-care",
            "text": text,
            "api_app_id": "A123456",
            "response_url": "https://hooks.slack.com/commands/1234/5678",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    ).encode()


def _signed(body: bytes, *, secret: str = SECRET, age_s: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age_s)
    base = b"v0:" + timestamp.encode() + b":" + body
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest(),
    }


async def _slash(client: httpx.AsyncClient, text: str, **signing: Any) -> httpx.Response:
    body = _form(text)
    return await client.post(PATH, content=body, headers=_signed(body, **signing))


async def test_new_makes_a_ticket_and_answers_its_reference_within_3_s(
    stack: Stack,
    intake: Intake,
    intake_gateway: ServiceProcess,
    staff_tokens: dict[str, str],
    kafka_bootstrap: str,
) -> None:
    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        started = time.monotonic()
        answer = await _slash(client, f"new Printer on fire {run}")
        took_s = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    assert took_s < 3, took_s
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    found = re.fullmatch(rf"Created (DVK-\d+): Printer on fire {run}", body["text"])
    assert found, body
    reference = found.group(1)

    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await eventually(
            lambda: intake.ticket_or_none(client, reference, staff_tokens["agent"]),
            timeout_s=WAIT_S,
            what="the Slack ticket in the gateway",
        )
    assert (ticket["channel"], ticket["subject"]) == ("slack", f"Printer on fire {run}")
    assert ticket["customer"]["name"] == "ada.lovelace"
    assert ticket["customer"]["email"] == "u0ada42@slack.dvika.care"
    submitted = [
        e for _, e in await read_events(kafka_bootstrap)
        if e.type == "ticket.submitted" and e.payload["subject"] == f"Printer on fire {run}"
    ]  # fmt: skip
    assert len(submitted) == 1


async def test_forged_stale_and_unsigned_requests_answer_401(
    intake: Intake, intake_gateway: ServiceProcess, kafka_bootstrap: str
) -> None:
    run = uuid.uuid4().hex[:8]
    before = intake.metric("dvika_intake_slack_requests_total", outcome="unauthorized")
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        forged = await _slash(client, f"new Forged {run}", secret="not-the-secret")
        stale = await _slash(client, f"new Stale {run}", age_s=6 * 60)
        unsigned = await client.post(PATH, content=_form(f"new Unsigned {run}"))
        # A good signature over another body (the text changed on the way).
        good = _signed(_form(f"new Original {run}"))
        swapped = await client.post(PATH, content=_form(f"new Swapped {run}"), headers=good)
    answers = [forged, stale, unsigned, swapped]
    assert [a.status_code for a in answers] == [401] * 4, [a.text for a in answers]
    assert "5 minutes" in stale.json()["detail"]
    assert forged.json()["detail"] == "bad signature"
    after = intake.metric("dvika_intake_slack_requests_total", outcome="unauthorized")
    assert after - before == 4
    # Nothing reached the log.
    subjects = [e.payload.get("subject", "") for _, e in await read_events(kafka_bootstrap)]
    assert not [s for s in subjects if run in s]


async def test_status_answers_what_an_agent_set(
    stack: Stack, intake: Intake, intake_gateway: ServiceProcess, staff_tokens: dict[str, str]
) -> None:
    run = uuid.uuid4().hex[:8]
    agent = staff_tokens["agent"]
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        created = await _slash(client, f"new Status please {run}")
        reference = created.json()["text"].split()[1].rstrip(":")
        assert reference.startswith("DVK-"), created.text
        # Just made: `new` until an agent acts (the lookup may need a moment to read it).
        first = await eventually(
            lambda: _status_text(client, reference, "new"), timeout_s=WAIT_S, what="status new"
        )
        assert first == f"{reference}: new"

        async with httpx.AsyncClient(base_url=stack.url, timeout=15) as api:
            ticket = await eventually(
                lambda: intake.ticket_or_none(api, reference, agent),
                timeout_s=WAIT_S,
                what="the Slack ticket in the gateway",
            )
            changed = await api.patch(
                f"/api/v1/tickets/{ticket['id']}/status",
                json={"status": "in_progress"},
                headers=bearer(agent),
            )
            assert changed.status_code == 200, changed.text
        answer = await eventually(
            lambda: _status_text(client, reference, "in_progress"),
            timeout_s=WAIT_S,
            what="status in_progress",
        )
        assert answer == f"{reference}: in_progress"

        # Escalating, and merging into another ticket, show too.
        async with httpx.AsyncClient(base_url=stack.url, timeout=15) as api:
            escalated = await api.post(
                f"/api/v1/tickets/{ticket['id']}/escalate",
                json={"reason": "needs engineering", "tier": "engineering"},
                headers=bearer(agent),
            )
            assert escalated.status_code == 200, escalated.text
            await eventually(
                lambda: _status_text(client, reference, "escalated"),
                timeout_s=WAIT_S,
                what="status escalated",
            )
            other = await _slash(client, f"new The same printer {run}")
            survivor = other.json()["text"].split()[1].rstrip(":")
            await eventually(
                lambda: intake.ticket_or_none(api, survivor, agent),
                timeout_s=WAIT_S,
                what="the second Slack ticket in the gateway",
            )

            async def escalated_in_gateway() -> dict[str, Any] | None:
                seen = await intake.ticket_or_none(api, reference, agent)
                return seen if seen and seen["status"] == "escalated" else None

            # The merge copies the thread the gateway's read model holds, at its version.
            await eventually(
                escalated_in_gateway, timeout_s=WAIT_S, what="the escalation in the gateway"
            )
            merged = await api.post(
                f"/api/v1/tickets/{ticket['id']}/merge",
                json={"into": survivor},
                headers=bearer(agent),
            )
            assert merged.status_code == 200, merged.text
        closed = await eventually(
            lambda: _status_text(client, reference, f"closed (merged into {survivor})"),
            timeout_s=WAIT_S,
            what="status merged",
        )
        assert closed == f"{reference}: closed (merged into {survivor})"

        unknown = await _slash(client, "status DVK-999999999")
        usage = await _slash(client, "close everything")
    assert unknown.json() == {"response_type": "ephemeral", "text": "DVK-999999999: no such ticket"}
    assert usage.json()["response_type"] == "ephemeral"
    assert usage.json()["text"].startswith("Usage: `/dvika-care new")


async def _status_text(client: httpx.AsyncClient, reference: str, wanted: str) -> str | None:
    answer = await _slash(client, f"status {reference}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["response_type"] == "ephemeral"
    text: str = answer.json()["text"]
    return text if text.endswith(f": {wanted}") else None


async def test_the_status_lookup_is_idempotent_by_version(
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    """Replayed or late events never move a status back (FerretDB, the intake's own store)."""
    store = ReferenceStore(mongo, TEST_DATABASE)
    ticket_id = uuid.uuid4()
    reference = f"DVK-{uuid.uuid4().int % 10**9 + 10**10}"
    await store.save({reference: ticket_id})
    assert await store.status_of(reference) == TicketStatus(reference, "new", None)
    await store.save(
        {}, [StatusChange(ticket_id, 2, "open"), StatusChange(ticket_id, 4, "resolved")]
    )
    # The log read again from the start: submission and older statuses change nothing.
    await store.save({reference: ticket_id}, [StatusChange(ticket_id, 3, "in_progress")])
    assert await store.status_of(reference) == TicketStatus(reference, "resolved", None)
    await store.save({}, [StatusChange(ticket_id, 6, "closed", merged_into="DVK-1")])
    assert await store.status_of(reference) == TicketStatus(reference, "closed", "DVK-1")
    assert await store.ticket_for(reference.lower()) == ticket_id
    # A document written before statuses were kept (no version) takes the next one.
    legacy_id, legacy = uuid.uuid4(), f"{reference}7"
    await mongo[TEST_DATABASE]["intake_references"].insert_one(
        {"_id": legacy, "ticket_id": legacy_id}
    )
    await store.prepare()  # the service starts: the UUID-era ticket id becomes text
    await store.save({}, [StatusChange(legacy_id, 5, "on_hold")])
    assert await store.status_of(legacy) == TicketStatus(legacy, "on_hold", None)
