"""The partner API `POST /api/v1/intake`, called with httpx through a gateway that forwards it
to the intake service (raw body and headers unchanged, so signatures still verify).

The same request three times with one Idempotency-Key makes one ticket (201, then 200 with the
same id and reference, and one `ticket.submitted` event); an unknown key or a bad signature
answers 401, an invalid body 422, and a tickets service that does not answer 503.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from conftest import TEST_DATABASE, Stack
from intake.domain.ids import api_ticket_id
from support.kafka_tools import read_events
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

if TYPE_CHECKING:
    from e2e.conftest_intake import Intake

pytest_plugins = ["e2e.conftest_intake"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

WAIT_S = 30
DEV_KEY = "dev-partner-key"  # seeded by the intake in development, as the README says
PATH = "/api/v1/intake"


def _body(run: str, subject: str = "Damaged parcel") -> dict[str, Any]:
    return {
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946"},
        "subject": f"{subject} {run}",
        "message": "Order 77 arrived broken.",
        "category": "shipping",
        "priority": "high",
    }


def _sign(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


async def _submitted(kafka_bootstrap: str, ticket_id: str) -> list[str]:
    return [
        e.type
        for _, e in await read_events(kafka_bootstrap)
        if str(e.ticket_id) == ticket_id and e.type == "ticket.submitted"
    ]


async def test_the_same_request_three_times_makes_one_ticket(
    stack: Stack,
    intake: Intake,
    intake_gateway: ServiceProcess,
    staff_tokens: dict[str, str],
    kafka_bootstrap: str,
) -> None:
    run = uuid.uuid4().hex[:8]
    headers = {"X-Api-Key": DEV_KEY, "Idempotency-Key": f"order-{run}"}
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        answers = [await client.post(PATH, json=_body(run), headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200], [a.text for a in answers]
    first = answers[0].json()
    assert all(a.json() == first for a in answers)
    assert first["id"] == str(api_ticket_id("dev-partner", f"order-{run}"))
    assert first["reference"].startswith("DVK-")
    assert first["version"] == 1

    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await eventually(
            lambda: intake.ticket_or_none(client, first["reference"], staff_tokens["agent"]),
            timeout_s=WAIT_S,
            what="the partner's ticket in the gateway",
        )
    assert ticket["id"] == first["id"]
    assert (ticket["channel"], ticket["priority"], ticket["category"]) == ("api", "P2", "shipping")
    assert ticket["subject"] == f"Damaged parcel {run}"
    # One submission on the log, however often it was asked for.
    assert await _submitted(kafka_bootstrap, first["id"]) == ["ticket.submitted"]


async def test_the_same_request_at_once_gets_one_ticket_for_every_caller(
    intake_gateway: ServiceProcess, kafka_bootstrap: str
) -> None:
    run = uuid.uuid4().hex[:8]
    headers = {"X-Api-Key": DEV_KEY, "Idempotency-Key": f"burst-{run}"}
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        answers = await asyncio.gather(
            *(client.post(PATH, json=_body(run), headers=headers) for _ in range(5))
        )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 200, 200, 200, 201], [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    assert await _submitted(kafka_bootstrap, answers[0].json()["id"]) == ["ticket.submitted"]


async def test_without_an_idempotency_key_each_request_is_a_new_ticket(
    intake_gateway: ServiceProcess,
) -> None:
    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        one = await client.post(PATH, json=_body(run), headers={"X-Api-Key": DEV_KEY})
        two = await client.post(PATH, json=_body(run), headers={"X-Api-Key": DEV_KEY})
    assert one.status_code == two.status_code == 201, (one.text, two.text)
    assert one.json()["id"] != two.json()["id"]
    assert one.json()["reference"] != two.json()["reference"]


async def test_missing_or_unknown_keys_and_invalid_bodies_are_refused(
    intake_gateway: ServiceProcess,
) -> None:
    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        missing = await client.post(PATH, json=_body(run))
        unknown = await client.post(PATH, json=_body(run), headers={"X-Api-Key": "guessed-key"})
        # Not even an invalid body is looked at before the key.
        unknown_invalid = await client.post(PATH, json={}, headers={"X-Api-Key": "guessed"})
        invalid = await client.post(
            PATH,
            json={**_body(run), "customer": {"name": "Ada"}, "subject": ""},
            headers={"X-Api-Key": DEV_KEY},
        )
    assert (missing.status_code, unknown.status_code, unknown_invalid.status_code) == (401,) * 3
    assert invalid.status_code == 422, invalid.text
    fields = {".".join(str(p) for p in e["loc"]) for e in invalid.json()["detail"]}
    assert {"body.customer.email", "body.subject"} <= fields


async def test_a_partner_with_a_signing_secret_must_sign_the_raw_body(
    intake: Intake,
    intake_gateway: ServiceProcess,
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    run = uuid.uuid4().hex[:8]
    partners = mongo[TEST_DATABASE]["intake_partners"]
    # The dev partner's key is kept only as its SHA-256.
    dev = await partners.find_one({"_id": "dev-partner"})
    assert dev is not None
    assert dev["key_sha256"] == hashlib.sha256(DEV_KEY.encode()).hexdigest()
    assert DEV_KEY not in json.dumps(dev, default=str)
    # A partner as an operator would add one: the key's hash, and the signing secret.
    key, secret = f"key-{uuid.uuid4().hex}", f"secret-{run}"
    await partners.insert_one(
        {
            "_id": f"signed-{run}",
            "name": "Signed partner",
            "key_sha256": hashlib.sha256(key.encode()).hexdigest(),
            "signing_secret": secret,
        }
    )
    # Bytes exactly as sent: the signature is over the raw body, whatever its formatting.
    raw = json.dumps(_body(run), indent=1).encode()
    base = {"X-Api-Key": key, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        unsigned = await client.post(PATH, content=raw, headers=base)
        forged = await client.post(
            PATH, content=raw, headers={**base, "X-Dvika-Signature": _sign("wrong", raw)}
        )
        tampered = await client.post(
            PATH,
            content=raw.replace(b"Ada", b"Eve"),
            headers={**base, "X-Dvika-Signature": _sign(secret, raw)},
        )
        signed = await client.post(
            PATH, content=raw, headers={**base, "X-Dvika-Signature": _sign(secret, raw)}
        )
        # Straight to the intake, too: the gateway only forwards.
        direct = await client.post(
            f"{intake.url}{PATH}",
            content=raw,
            headers={**base, "X-Dvika-Signature": _sign(secret, raw)},
        )
    assert [unsigned.status_code, forged.status_code, tampered.status_code] == [401] * 3
    assert signed.status_code == 201, signed.text
    assert direct.status_code == 201, direct.text
    assert signed.json()["reference"] != direct.json()["reference"]  # no Idempotency-Key
    assert intake.metric("dvika_intake_api_requests_total", outcome="unauthorized") >= 3


async def test_a_silent_tickets_service_answers_503_and_the_retry_gets_the_ticket(
    stack: Stack, intake_gateway: ServiceProcess
) -> None:
    run = uuid.uuid4().hex[:8]
    headers = {"X-Api-Key": DEV_KEY, "Idempotency-Key": f"slow-{run}"}
    assert stack.tickets.process is not None
    pid = stack.tickets.process.pid
    os.kill(pid, signal.SIGSTOP)  # alive but silent, for the intake's 4 s
    try:
        async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
            refused = await client.post(PATH, json=_body(run), headers=headers)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert refused.status_code == 503, refused.text
    assert "did not answer" in refused.json()["detail"]
    # The command stayed on the log; the retry is the same command and gets its ticket. The
    # caller never had an answer, so this one is the ticket's first: 201.
    async with httpx.AsyncClient(base_url=intake_gateway.url, timeout=30) as client:
        retried = await client.post(PATH, json=_body(run), headers=headers)
        again = await client.post(PATH, json=_body(run), headers=headers)
    assert (retried.status_code, again.status_code) == (201, 200), (retried.text, again.text)
    assert retried.json() == again.json()
    assert retried.json()["id"] == str(api_ticket_id("dev-partner", f"slow-{run}"))


async def test_the_gateway_answers_502_when_the_intake_is_down(stack: Stack) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    gateway = ServiceProcess("gateway", free_port(), {**stack.env, "DVIKA_INTAKE_URL": nowhere})
    await asyncio.to_thread(gateway.start)
    try:
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            down = await client.post(PATH, json=_body("x"), headers={"X-Api-Key": DEV_KEY})
            slack = await client.post(f"{PATH}/slack", content=b"text=status+DVK-1")
    finally:
        gateway.stop()
    assert (down.status_code, slack.status_code) == (502, 502), down.text
    assert "intake service cannot be reached" in down.json()["detail"]


async def test_the_intake_still_serves_its_ops_routes(intake: Intake) -> None:
    async with httpx.AsyncClient(base_url=intake.url, timeout=10) as client:
        assert (await client.get("/healthz")).json()["service"] == "intake"
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        metrics = await client.get("/metrics")
    assert "dvika_intake_api_requests_total" in metrics.text
