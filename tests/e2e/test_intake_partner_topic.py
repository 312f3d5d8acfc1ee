"""The partner Kafka topic `intake.requests`, fed by a plain aiokafka producer (not the services').

A valid record makes a ticket, an invalid one lands on `intake.dlq` with the original payload
and the reason, and a duplicate (same partner and idempotency key) makes nothing new.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from conftest import Stack
from contracts.envelopes import DeadLetter
from contracts.topics import INTAKE_DLQ, INTAKE_REQUESTS
from intake.domain.ids import partner_ticket_id
from support.kafka_tools import read_events, read_topic
from support.waiting import eventually

if TYPE_CHECKING:
    from e2e.conftest_intake import Intake

pytest_plugins = ["e2e.conftest_intake"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

WAIT_S = 30
PARTNER = "acme-logistics"


def _request(key: str, subject: str) -> dict[str, Any]:
    return {
        "partner_id": PARTNER,
        "idempotency_key": key,
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "subject": subject,
        "message": "Parcel arrived damaged.",
        "priority": "high",
        "category": "shipping",
    }


async def _publish(kafka_bootstrap: str, records: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(INTAKE_REQUESTS.name, value=value, key=key.encode())
    finally:
        await producer.stop()


async def _dlq_for(kafka_bootstrap: str, run: str) -> list[DeadLetter]:
    letters = [
        DeadLetter.model_validate_json(record.value)
        for record in await read_topic(kafka_bootstrap, INTAKE_DLQ.name, INTAKE_DLQ.partitions)
    ]
    return [letter for letter in letters if run in (letter.key or "")]


async def test_valid_invalid_and_duplicate_records_make_one_ticket_and_one_dead_letter(
    stack: Stack, intake: Intake, staff_tokens: dict[str, str], kafka_bootstrap: str
) -> None:
    run = uuid.uuid4().hex[:8]
    valid_key, invalid_key, probe_key = f"order-{run}", f"bad-{run}", f"probe-{run}"
    valid = json.dumps(_request(valid_key, f"Damaged parcel {run}")).encode()
    invalid = json.dumps({**_request(invalid_key, ""), "customer": {"name": "x"}}).encode()
    duplicate = json.dumps(_request(valid_key, f"Damaged parcel {run} (resent)")).encode()
    await _publish(
        kafka_bootstrap, [(valid_key, valid), (invalid_key, invalid), (valid_key, duplicate)]
    )
    # Published after the three on the same topic: once it is a ticket, they were all read.
    probe = json.dumps(_request(probe_key, f"Probe {run}")).encode()
    await _publish(kafka_bootstrap, [(probe_key, probe)])

    ticket_id = str(partner_ticket_id(PARTNER, valid_key))
    probe_id = str(partner_ticket_id(PARTNER, probe_key))
    token = staff_tokens["agent"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:

        async def both() -> tuple[dict[str, Any], dict[str, Any]] | None:
            ticket = await intake.ticket_or_none(client, ticket_id, token)
            probed = await intake.ticket_or_none(client, probe_id, token)
            return (ticket, probed) if ticket and probed else None

        ticket, _ = await eventually(both, timeout_s=WAIT_S, what="the partner's tickets")
    assert ticket["subject"] == f"Damaged parcel {run}"  # the first one wins
    assert (ticket["channel"], ticket["priority"], ticket["category"]) == (
        "kafka",
        "P2",
        "shipping",
    )
    assert ticket["version"] == 1

    letters = await eventually(
        lambda: _dlq_for(kafka_bootstrap, run), timeout_s=WAIT_S, what="the invalid record's DLQ"
    )
    assert len(letters) == 1
    (letter,) = letters
    assert letter.key == invalid_key
    assert letter.source_topic == INTAKE_REQUESTS.name
    assert json.loads(letter.raw) == json.loads(invalid)  # the original payload
    assert "customer.email" in letter.reason
    assert "subject" in letter.reason

    # Nothing else: one submission for the key, no event beyond it, no other ticket of the run.
    events = [e for _, e in await read_events(kafka_bootstrap) if str(e.ticket_id) == ticket_id]
    assert [e.type for e in events] == ["ticket.submitted"]
    of_run = [
        e for _, e in await read_events(kafka_bootstrap)
        if e.type == "ticket.submitted" and run in e.payload["subject"]
    ]  # fmt: skip
    assert sorted(str(e.ticket_id) for e in of_run) == sorted([ticket_id, probe_id])


async def test_a_record_that_is_not_json_lands_on_the_dlq_and_the_topic_goes_on(
    stack: Stack, intake: Intake, staff_tokens: dict[str, str], kafka_bootstrap: str
) -> None:
    run = uuid.uuid4().hex[:8]
    await _publish(
        kafka_bootstrap,
        [
            (f"junk-{run}", b"\xff{not json " + run.encode()),
            (f"after-{run}", json.dumps(_request(f"after-{run}", f"After junk {run}")).encode()),
        ],
    )
    letters = await eventually(
        lambda: _dlq_for(kafka_bootstrap, run), timeout_s=WAIT_S, what="the junk record's DLQ"
    )
    assert letters[0].reason.startswith("not JSON")
    assert run in letters[0].raw
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        after = str(partner_ticket_id(PARTNER, f"after-{run}"))
        await eventually(
            lambda: intake.ticket_or_none(client, after, staff_tokens["agent"]),
            timeout_s=WAIT_S,
            what="the ticket after the junk record",
        )
