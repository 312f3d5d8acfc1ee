"""The intake's pure rules for partner records on `intake.requests`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.commands import SubmitTicket
from contracts.intake import IntakeRequest
from contracts.registry import decode_command
from intake.domain.commands import InvalidRecord, read_partner_record, ticket_from_partner
from intake.domain.ids import partner_command_id, partner_ticket_id
from intake.entrypoints.dead_letters import RECORD_MAX_BYTES, ReceivedInput, dead_letter

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
REQUEST: dict[str, Any] = {
    "partner_id": "acme",
    "idempotency_key": "order-77",
    "customer": {"name": "Ada", "email": "ada@example.com"},
    "subject": "Broken order",
    "message": "Order 77 arrived broken.",
}


def _read(body: dict[str, Any]) -> IntakeRequest:
    request = read_partner_record(json.dumps(body).encode())
    assert isinstance(request, IntakeRequest), request
    return request


def test_a_valid_record_becomes_a_submission_with_ids_from_partner_and_key() -> None:
    envelope = ticket_from_partner(_read(REQUEST), NOW)
    assert envelope.ticket_id == partner_ticket_id("acme", "order-77")
    assert envelope.command_id == partner_command_id("acme", "order-77")
    assert envelope.reply_to is None
    assert (envelope.actor.kind, envelope.actor.id) == ("partner", "acme")
    command = decode_command(envelope)
    assert isinstance(command, SubmitTicket)
    assert (command.channel, command.category, command.priority) == ("kafka", "general", "P3")
    assert command.dedupe_key == "kafka:acme:order-77"


def test_category_and_priority_are_taken_when_given() -> None:
    request = _read({**REQUEST, "category": "billing", "priority": "urgent"})
    command = decode_command(ticket_from_partner(request, NOW))
    assert isinstance(command, SubmitTicket)
    assert (command.category, command.priority) == ("billing", "P1")


def test_a_duplicate_gives_the_same_ids_and_other_keys_or_partners_do_not() -> None:
    one = ticket_from_partner(_read(REQUEST), NOW)
    again = ticket_from_partner(_read({**REQUEST, "message": "resent"}), NOW)
    other_key = ticket_from_partner(_read({**REQUEST, "idempotency_key": "order-78"}), NOW)
    other_partner = ticket_from_partner(_read({**REQUEST, "partner_id": "globex"}), NOW)
    assert (one.ticket_id, one.command_id) == (again.ticket_id, again.command_id)
    assert len({one.ticket_id, other_key.ticket_id, other_partner.ticket_id}) == 3


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty record"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (json.dumps({**REQUEST, "subject": ""}).encode(), "subject"),
        (json.dumps({k: v for k, v in REQUEST.items() if k != "idempotency_key"}).encode(),
         "idempotency_key"),
        (json.dumps({**REQUEST, "customer": {"name": "x", "email": "nope"}}).encode(), "email"),
        (json.dumps({**REQUEST, "priority": "whenever"}).encode(), "priority"),
        (json.dumps({**REQUEST, "surprise": 1}).encode(), "surprise"),
        (json.dumps([1, 2]).encode(), "IntakeRequest"),
    ],
)  # fmt: skip
def test_invalid_records_are_refused_with_the_reason(value: bytes | None, reason: str) -> None:
    refused = read_partner_record(value)
    assert isinstance(refused, InvalidRecord)
    assert reason in refused.reason


def test_a_dead_letter_fits_one_kafka_record_whatever_it_keeps() -> None:
    small = dead_letter(ReceivedInput("intake.email", b"k", b"tiny"), "why", NOW)
    assert (small.raw, small.reason, small.key) == ("tiny", "why", "k")
    huge = ReceivedInput("intake.email", None, b"\x01" * 3_000_000)  # escapes as \u0001
    letter = dead_letter(huge, "why", NOW)
    assert len(letter.model_dump_json()) <= RECORD_MAX_BYTES
    assert letter.raw
    assert letter.reason.startswith("why (raw: the first ")
    assert letter.reason.endswith("of 3000000 bytes)")
