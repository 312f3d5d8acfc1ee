"""The intake's pure rules for its HTTP channels: API keys, body and Slack signatures, the
slash-command's form and text, and the commands they become."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from pydantic import ValidationError

from contracts.commands import SubmitTicket
from contracts.registry import decode_command
from contracts.values import Customer
from intake.domain.commands import ticket_from_api, ticket_from_slack
from intake.domain.http_requests import (
    NewTicket,
    PartnerTicket,
    StatusQuery,
    Usage,
    body_signature,
    body_signature_ok,
    hash_api_key,
    read_slack_text,
    read_slash_command,
    slack_email,
    slack_refusal,
    slack_signature,
    usage_text,
)
from intake.domain.ids import api_command_id, api_ticket_id, partner_ticket_id
from intake.settings import IntakeSettings

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SECRET = "dev-slack-signing-secret"
BODY = b"command=%2Fdvika-care&text=new+Printer+on+fire&user_id=U42&user_name=ada"


def _slack_header(secret: str, timestamp: str, body: bytes) -> str:
    # Written out from Slack's documentation, independently of the code under test.
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


# --- partner API keys and body signatures ---------------------------------------------------


def test_api_keys_are_stored_as_their_sha256() -> None:
    assert hash_api_key("dev-partner-key") == hashlib.sha256(b"dev-partner-key").hexdigest()
    assert hash_api_key("dev-partner-key") != hash_api_key("dev-partner-key2")


def test_a_body_signature_is_the_hex_hmac_of_the_raw_body() -> None:
    body = b'{"subject": "x"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert body_signature("s3cret", body) == f"sha256={expected}"
    assert body_signature_ok("s3cret", body, f"sha256={expected}")


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha256=" + "0" * 64, "md5=abc", body_signature("other", b"{}")],
)
def test_a_partner_with_a_secret_needs_the_right_signature(header: str | None) -> None:
    assert not body_signature_ok("s3cret", b"{}", header)


def test_a_changed_body_breaks_the_signature() -> None:
    header = body_signature("s3cret", b'{"a": 1}')
    assert not body_signature_ok("s3cret", b'{"a": 2}', header)


def test_a_partner_without_a_secret_needs_no_signature() -> None:
    assert body_signature_ok(None, b"{}", None)
    assert body_signature_ok(None, b"{}", "sha256=anything")


# --- Slack request signatures ---------------------------------------------------------------


def test_a_correctly_signed_fresh_slack_request_passes() -> None:
    timestamp = str(int(NOW.timestamp()))
    header = _slack_header(SECRET, timestamp, BODY)
    assert slack_signature(SECRET, timestamp, BODY) == header
    assert slack_refusal(SECRET, timestamp, header, BODY, NOW) is None
    # Within the window either way (clocks differ a little).
    assert slack_refusal(SECRET, timestamp, header, BODY, NOW + timedelta(minutes=4)) is None
    assert slack_refusal(SECRET, timestamp, header, BODY, NOW - timedelta(minutes=4)) is None


def test_a_forged_slack_request_is_refused() -> None:
    timestamp = str(int(NOW.timestamp()))
    forged = _slack_header("not-the-secret", timestamp, BODY)
    assert slack_refusal(SECRET, timestamp, forged, BODY, NOW) == "bad signature"
    tampered = BODY.replace(b"ada", b"eve")
    good = _slack_header(SECRET, timestamp, BODY)
    assert slack_refusal(SECRET, timestamp, good, tampered, NOW) == "bad signature"
    # The timestamp is signed too: moving it forward breaks the signature.
    later = str(int(NOW.timestamp()) + 1)
    assert slack_refusal(SECRET, later, good, BODY, NOW) == "bad signature"


def test_a_stale_slack_request_is_refused_even_when_signed() -> None:
    stale = str(int((NOW - timedelta(minutes=6)).timestamp()))
    header = _slack_header(SECRET, stale, BODY)
    reason = slack_refusal(SECRET, stale, header, BODY, NOW)
    assert reason is not None
    assert "5 minutes" in reason
    future = str(int((NOW + timedelta(minutes=6)).timestamp()))
    assert slack_refusal(SECRET, future, _slack_header(SECRET, future, BODY), BODY, NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature"), [(None, "v0=ab"), ("123", None), ("soon", "v0=ab"), ("", "")]
)
def test_unsigned_or_malformed_slack_requests_are_refused(
    timestamp: str | None, signature: str | None
) -> None:
    assert slack_refusal(SECRET, timestamp, signature, BODY, NOW) is not None


# --- the slash-command ----------------------------------------------------------------------


def test_the_form_is_read_as_slack_sends_it() -> None:
    body = urlencode(
        {
            "token": "legacy",
            "team_domain": "acme",
            "user_id": "U42",
            "user_name": "ada.l",
            "command": "/dvika-care",
            "text": "new Printer on fire & smoking",
            "response_url": "https://hooks.slack.com/commands/1/2/3",
        }
    ).encode()
    command = read_slash_command(body)
    assert (command.command, command.user_id, command.user_name) == ("/dvika-care", "U42", "ada.l")
    assert command.text == "new Printer on fire & smoking"
    assert command.team_domain == "acme"
    assert read_slash_command(b"").text == ""


def test_new_makes_a_ticket_of_the_words() -> None:
    assert read_slack_text("new Printer on fire") == NewTicket("Printer on fire", "Printer on fire")
    assert read_slack_text("  NEW   Printer  ") == NewTicket("Printer", "Printer")
    action = read_slack_text("new " + "x" * 300)
    assert isinstance(action, NewTicket)
    assert len(action.subject) == 200
    assert action.subject.endswith("...")
    assert action.message == "x" * 300
    multi = read_slack_text("new First line\nmore detail")
    assert multi == NewTicket("First line", "First line\nmore detail")


def test_status_names_a_reference() -> None:
    assert read_slack_text("status DVK-1234") == StatusQuery("DVK-1234")
    assert read_slack_text("status dvk-1234 please") == StatusQuery("DVK-1234")


@pytest.mark.parametrize("text", ["", "new", "new   ", "status", "status 1234", "help", "close X"])
def test_anything_else_is_usage(text: str) -> None:
    assert read_slack_text(text) == Usage()
    assert "new" in usage_text("/dvika-care")
    assert "status" in usage_text("")


# --- the commands they become ---------------------------------------------------------------


def test_a_partner_request_with_a_key_has_ids_from_partner_and_key() -> None:
    request = PartnerTicket.model_validate(
        {
            "customer": {"name": "Ada", "email": "ada@example.com", "phone": "+44 20 7946 0000"},
            "subject": "Broken order",
            "message": "It broke.",
            "priority": "urgent",
        }
    )
    envelope = ticket_from_api(
        "acme",
        request,
        ticket_id=api_ticket_id("acme", "k1"),
        command_id=api_command_id("acme", "k1"),
        idempotency_key="k1",
        reply_to="intake-test",
        now=NOW,
    )
    assert envelope.reply_to == "intake-test"
    assert (envelope.actor.kind, envelope.actor.id) == ("partner", "acme")
    command = decode_command(envelope)
    assert isinstance(command, SubmitTicket)
    assert (command.channel, command.priority, command.category) == ("api", "P1", "general")
    assert command.dedupe_key == "api:acme:k1"
    # Stable, per partner, and apart from the partner topic's ids for the same key.
    assert api_ticket_id("acme", "k1") == api_ticket_id("acme", "k1")
    assert api_ticket_id("acme", "k1") != api_ticket_id("other", "k1")
    assert api_ticket_id("acme", "k1") != partner_ticket_id("acme", "k1")
    assert api_command_id("acme", "k1") != api_ticket_id("acme", "k1")


def test_a_partner_body_is_validated() -> None:
    with pytest.raises(ValidationError):
        PartnerTicket.model_validate({"customer": {"name": "x"}, "subject": "", "message": "m"})
    with pytest.raises(ValidationError):  # unknown fields are refused, not dropped
        PartnerTicket.model_validate(
            {
                "customer": {"name": "x", "email": "x@example.com"},
                "subject": "s",
                "message": "m",
                "extra": 1,
            }
        )


def test_a_slack_request_becomes_a_slack_submission() -> None:
    customer = Customer(name="ada", email=slack_email("U42ABC", "slack.dvika.care"))
    assert str(customer.email) == "u42abc@slack.dvika.care"
    ticket_id = uuid4()
    envelope = ticket_from_slack(
        NewTicket("Printer", "Printer on fire"),
        customer,
        ticket_id=ticket_id,
        command_id=uuid4(),
        reply_to="intake-test",
        now=NOW,
    )
    command = decode_command(envelope)
    assert isinstance(command, SubmitTicket)
    assert (command.channel, command.subject, command.message) == (
        "slack",
        "Printer",
        "Printer on fire",
    )
    assert envelope.ticket_id == ticket_id
    assert envelope.reply_to == "intake-test"


# --- settings -------------------------------------------------------------------------------


def test_development_has_the_documented_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DVIKA_ENVIRONMENT", "DVIKA_INTAKE_SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = IntakeSettings()
    assert settings.slack_signing_secret.get_secret_value() == "dev-slack-signing-secret"
    assert settings.seeds_dev_partner


def test_production_refuses_the_development_slack_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DVIKA_INTAKE_SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.setenv("DVIKA_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="DVIKA_INTAKE_SLACK_SIGNING_SECRET"):
        IntakeSettings()
    monkeypatch.setenv("DVIKA_INTAKE_SLACK_SIGNING_SECRET", "a-real-secret")
    settings = IntakeSettings()
    assert not settings.seeds_dev_partner
