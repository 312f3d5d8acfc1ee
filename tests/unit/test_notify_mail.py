"""Notify's mail and delivery rules: templates, threading headers, Slack payloads, retries,
the daily digest's schedule and the settings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from contracts.agents import AgentSnapshot
from notify.adapters.notification_store import notification_id
from notify.adapters.smtp_mailer import SmtpMailer
from notify.composer import NotificationComposer
from notify.domain.backoff import RetryPolicy
from notify.domain.digest import DigestDay, digest_intents, last_run, next_run
from notify.domain.links import Links
from notify.domain.notifications import Intent
from notify.domain.roster import Roster
from notify.domain.slack import slack_payload
from notify.domain.threading import root_message_id, thread_headers
from notify.domain.ticket_facts import TicketFacts
from notify.rendering import EmailRenderer
from notify.settings import NotifySettings

TICKET = UUID("3f6c2a9e-8b1d-4c57-9e0a-2d4b7c1e5f80")
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LINKS = Links(b"secret", "https://help.example.com", "https://console.example.com")
RENDERER = EmailRenderer()
COMPOSER = NotificationComposer(
    RENDERER,
    message_id_domain="dvika.care",
    customer_from="Dvika Care <support@dvika.care>",
    reply_to="support@dvika.care",
    staff_from="Dvika Care <no-reply@dvika.care>",
)


def context(**extra: Any) -> dict[str, Any]:
    return {
        "ticket_id": str(TICKET), "reference": "DVK-1004", "subject": "Charged <b>twice</b>",
        "customer_name": "Ada", "customer_email": "ada@example.com", "priority": "P1",
        "status": "open", "queue": None,
        "tracking_url": LINKS.tracking_url(TICKET, "DVK-1004"),
        "console_url": LINKS.console_ticket_url(TICKET),
        **extra,
    }  # fmt: skip


def intent(kind: str, audience: str = "customer", channel: str = "email", **extra: Any) -> Intent:
    recipient = "#alerts" if channel == "slack" else "ada@example.com"
    return Intent(kind, channel, recipient, audience, "event-1", TICKET, context(**extra))  # type: ignore[arg-type]


KINDS: dict[str, dict[str, Any]] = {
    "ticket_received": {"message": "My card was charged twice."},
    "agent_reply": {
        "message": "We refunded you.", "agent_name": "Asha",
        "thread": [{"author": "customer", "text": "Hello?", "posted_at": T0}],
    },
    "waiting_on_customer": {"reason": "Which card?"},
    "resolved": {"reason": None, "rating_url": LINKS.rating_url(TICKET, "DVK-1004")},
    "nudge": {"nudge_kind": "resolved_inactive", "closes_at": T0,
              "rating_url": LINKS.rating_url(TICKET, "DVK-1004")},
}  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_customer_mail_names_the_reference_and_links_to_the_ticket(kind: str) -> None:
    rendered = RENDERER.render(intent(kind, **KINDS[kind]))
    assert "[DVK-1004]" in rendered.subject
    assert "\n" not in rendered.subject
    assert "Dvika Care" in rendered.text
    assert "Dvika Care" in rendered.html
    tracking = LINKS.tracking_url(TICKET, "DVK-1004")
    assert tracking in rendered.text
    assert tracking.replace("&", "&amp;") in rendered.html
    # Text and subject keep the customer's words as written; HTML never runs them as markup.
    assert "<b>twice</b>" not in rendered.html
    assert "&lt;b&gt;twice&lt;/b&gt;" in rendered.html


def test_the_resolution_carries_the_rating_link_and_the_reply_its_thread() -> None:
    resolved = RENDERER.render(intent("resolved", **KINDS["resolved"]))
    assert f"{LINKS.tracking_url(TICKET, 'DVK-1004')}#rating-title" in resolved.text
    reply = RENDERER.render(intent("agent_reply", **KINDS["agent_reply"]))
    assert reply.subject == "Re: [DVK-1004] Charged <b>twice</b>"
    assert "We refunded you." in reply.text
    assert "Hello?" in reply.text
    assert "Asha replied" in reply.text


def test_a_subject_is_one_line_whatever_the_ticket_says() -> None:
    rendered = RENDERER.render(
        intent("ticket_received", subject="Hi\r\nBcc: x@evil.example", message="m")
    )
    assert "\n" not in rendered.subject
    assert "\r" not in rendered.subject


def test_the_assignment_mail_does_not_thread_into_the_customers_ticket() -> None:
    mail = intent("assigned", "agent", agent_name="Asha", assigned_by="routing", message="m")
    document = COMPOSER.compose(mail, T0)
    email = document["email"]
    assert email["subject"] == "DVK-1004 assigned to you: Charged <b>twice</b>"
    assert "[DVK-" not in email["subject"]
    assert email["from"] == "Dvika Care <no-reply@dvika.care>"
    assert email["reply_to"] is None
    assert "In-Reply-To" not in email["headers"]
    assert f"{LINKS.console_ticket_url(TICKET)}" in email["text"]


def test_the_confirmation_is_the_threads_root_and_later_mails_answer_it() -> None:
    root = root_message_id(TICKET, "dvika.care")
    assert root == f"<ticket-{TICKET}@dvika.care>"
    confirmation = COMPOSER.compose(intent("ticket_received", **KINDS["ticket_received"]), T0)
    assert confirmation["email"]["headers"]["Message-ID"] == root
    assert "In-Reply-To" not in confirmation["email"]["headers"]
    reply = COMPOSER.compose(intent("agent_reply", **KINDS["agent_reply"]), T0)
    headers = reply["email"]["headers"]
    assert (headers["In-Reply-To"], headers["References"]) == (root, root)
    # `{anything}.{ticket id}@domain`: the intake threads an answer naming it into the ticket.
    assert headers["Message-ID"].endswith(f".{TICKET}@dvika.care>")
    # A person wrote the reply; every other mail is automatic (RFC 3834).
    assert "Auto-Submitted" not in headers
    assert confirmation["email"]["headers"]["Auto-Submitted"] == "auto-generated"
    assert reply["email"]["reply_to"] == "support@dvika.care"


def test_message_ids_and_record_ids_are_deterministic_per_key() -> None:
    one = thread_headers("k1", TICKET, "dvika.care", is_root=False).message_id
    assert one == thread_headers("k1", TICKET, "dvika.care", is_root=False).message_id
    assert one != thread_headers("k2", TICKET, "dvika.care", is_root=False).message_id
    assert notification_id("k1") == notification_id("k1") != notification_id("k2")


def test_the_smtp_message_carries_every_header_and_both_bodies() -> None:
    document = COMPOSER.compose(intent("agent_reply", **KINDS["agent_reply"]), T0)
    mailer = SmtpMailer(
        host="127.0.0.1", port=1025, starttls=False, username=None, password=None,
        timeout_s=5, local_hostname="localhost",
    )  # fmt: skip
    message = mailer.compose("ada@example.com", document["email"], T0)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "ada@example.com"
    assert message["Reply-To"] == "support@dvika.care"
    assert message["In-Reply-To"] == f"<ticket-{TICKET}@dvika.care>"
    assert message["Date"] == "Wed, 25 Nov 2026 09:00:00 +0000"
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None


def test_slack_alerts_link_to_the_console_and_escape_the_customers_text() -> None:
    payload = slack_payload(
        intent("escalated", "alerts", "slack", reason="<!channel> & more", tier="L2")
    )
    assert payload["channel"] == "#alerts"
    assert f"<{LINKS.console_ticket_url(TICKET)}|Open DVK-1004 in the console>" in payload["text"]
    assert "<!channel>" not in payload["text"]
    assert "&lt;!channel&gt; &amp; more" in payload["text"]
    assert "<b>" not in str(payload["blocks"])
    due = T0 + timedelta(minutes=30)
    warning = slack_payload(
        intent("sla_warning", "alerts", "slack", target="first_response", due_at=due)
    )
    assert "at risk: first response due 2026-11-25 09:30 UTC" in warning["text"]


# --- retries -----------------------------------------------------------------------------------


def test_retries_back_off_exponentially_up_to_a_cap_and_stop_after_the_last_attempt() -> None:
    policy = RetryPolicy(base_s=1, max_delay_s=60, max_attempts=8)
    assert [policy.delay_after(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert not policy.gives_up_after(7)
    assert policy.gives_up_after(8)
    assert RetryPolicy(base_s=1, max_delay_s=600).delay_after(10_000) == 600
    with pytest.raises(ValueError, match="counts from 1"):
        policy.delay_after(0)


# --- the digest --------------------------------------------------------------------------------


def test_the_digest_runs_at_the_configured_local_time() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    at = time(8, 0)
    # 02:00 UTC is 07:30 in Kolkata: today at 08:00 local, 02:30 UTC.
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert next_run(now, at, kolkata) == datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    assert last_run(now, at, kolkata) == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    later = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    assert next_run(later, at, kolkata) == datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    exactly = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    assert next_run(exactly, at, kolkata) == last_run(exactly, at, kolkata) == exactly


def test_the_digest_goes_to_every_active_manager_with_the_days_tickets() -> None:
    def snap(account: str, role: str, email: str | None, active: bool = True) -> AgentSnapshot:
        return AgentSnapshot.model_validate(
            {"account_id": account, "name": account.title(), "email": email, "role": role,
             "active": active, "updated_at": T0}
        )  # fmt: skip

    roster = Roster(
        [snap("meena", "manager", "meena@x.example"),
         snap("old", "manager", "old@x.example", False),
         snap("nomail", "manager", None), snap("asha", "agent", "asha@x.example")]
    )  # fmt: skip
    facts = TicketFacts(
        TICKET, 3, "DVK-1004", "Ada", "ada@example.com", "Charged", "P1", "open", T0
    )
    day = DigestDay(T0)
    [mail] = digest_intents(day, roster, LINKS, new=[facts], breached=[], escalated=[facts])
    assert (mail.recipient, mail.audience, mail.source_id) == (
        "meena@x.example",
        "manager",
        "digest:2026-11-25",
    )
    assert day.since == T0 - timedelta(days=1)
    rendered = RENDERER.render(mail)
    assert "New tickets: 1" in rendered.text
    assert "SLA breaches: 0" in rendered.text
    assert "Escalations: 1" in rendered.text
    assert LINKS.console_ticket_url(TICKET) in rendered.text
    assert "daily digest" in rendered.subject


# --- settings ----------------------------------------------------------------------------------


def test_settings_share_the_gateways_secret_and_url_and_read_notifys_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DVIKA_TRACKING_SECRET", "s" * 40)
    monkeypatch.setenv("DVIKA_PUBLIC_URL", "https://help.example.com")
    monkeypatch.setenv("DVIKA_NOTIFY_SMTP_PORT", "2526")
    monkeypatch.setenv("DVIKA_NOTIFY_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/x")
    monkeypatch.setenv("DVIKA_NOTIFY_DIGEST_TIME", "07:45")
    monkeypatch.delenv("DVIKA_HTTP_PORT", raising=False)
    monkeypatch.delenv("DVIKA_NOTIFY_HTTP_PORT", raising=False)
    settings = NotifySettings()
    assert settings.tracking_key == b"s" * 40
    assert settings.console_base_url == "https://help.example.com"
    assert (settings.http_port, settings.smtp_port) == (8085, 2526)
    assert settings.slack_webhook_url == "https://hooks.slack.com/services/x"
    assert settings.digest_time == time(7, 45)
    assert (settings.retry_base_s, settings.max_attempts) == (1.0, 8)


def test_production_refuses_the_development_tracking_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DVIKA_TRACKING_SECRET", raising=False)
    with pytest.raises(ValidationError, match="DVIKA_TRACKING_SECRET"):
        NotifySettings(environment="production")
    assert (
        NotifySettings(environment="production", tracking_secret="x" * 40).environment
        == "production"
    )  # type: ignore[arg-type]


def test_an_unknown_kind_of_mail_has_no_template() -> None:
    with pytest.raises(KeyError):
        RENDERER.render(intent("fax", reference="DVK-1", id=str(uuid4())))
