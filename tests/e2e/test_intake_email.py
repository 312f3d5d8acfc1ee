"""Email intake, driven by Python's own `smtplib` against the intake's SMTP listener.

A mail with an attachment makes a ticket (read back through the gateway), a reply naming its
reference lands on it, auto-replies and bounces make nothing, the same Message-ID twice makes
one ticket, and mail that cannot be parsed is kept as a dead letter.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from conftest import Stack
from contracts.envelopes import DeadLetter
from contracts.topics import DEAD_LETTERS
from intake.domain.ids import email_ticket_id
from support.kafka_tools import read_events, read_topic
from support.waiting import eventually

if TYPE_CHECKING:
    from e2e.conftest_intake import Intake

pytest_plugins = ["e2e.conftest_intake"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

WAIT_S = 30
# The mailbox the `intake` fixture accepts mail for (the development default).
SUPPORT = "support@dvika.care"


def _mail(
    subject: str,
    body: str,
    *,
    sender: str = "Ada Lovelace <ada@example.com>",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def _send(intake: Intake, message: EmailMessage, envelope_sender: str | None = None) -> None:
    """Deliver over SMTP; returns once the listener answered 250 to DATA (or raises)."""
    with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp:
        smtp.send_message(message, from_addr=envelope_sender)


def _message_id(message: EmailMessage) -> str:
    return str(message["Message-ID"]).strip("<>")


async def _wait_for_ticket(
    intake: Intake,
    client: httpx.AsyncClient,
    ticket: str,
    token: str,
    *,
    what: str,
    thread_has: str = "",
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found = await intake.ticket_or_none(client, ticket, token)
        if found is None or not any(thread_has in m["message"] for m in found["thread"]):
            return None
        return found

    return await eventually(probe, timeout_s=WAIT_S, what=what)


async def test_a_mail_with_an_attachment_makes_a_ticket_and_a_reply_lands_on_it(
    stack: Stack, intake: Intake, staff_tokens: dict[str, str]
) -> None:
    token = staff_tokens["agent"]
    run = uuid.uuid4().hex[:8]
    first = _mail(f"Printer on fire {run}", f"The printer {run} is on fire.\nPlease help.",
                  sender="Grace Hopper <grace@example.com>")  # fmt: skip
    first.add_attachment(
        b"%PDF-1.4 " + b"x" * 12_300, maintype="application", subtype="pdf", filename="photo.pdf"
    )
    await asyncio.to_thread(_send, intake, first)
    ticket_id = str(email_ticket_id(_message_id(first)))
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await _wait_for_ticket(intake, client, ticket_id, token, what="the mailed ticket")
        assert ticket["subject"] == f"Printer on fire {run}"
        assert ticket["channel"] == "email"
        assert ticket["customer"] == {"name": "Grace Hopper", "email": "grace@example.com",
                                      "phone": None}  # fmt: skip
        assert ticket["thread"][0]["message"] == (
            f"The printer {run} is on fire.\nPlease help.\n\nAttachments: photo.pdf (12 kB)"
        )
        # The file itself is kept, and downloads through the gateway.
        [listed] = ticket["thread"][0]["attachments"]
        assert (listed["filename"], listed["content_type"]) == ("photo.pdf", "application/pdf")
        download = await client.get(
            f"/api/v1/tickets/{ticket_id}/attachments/{listed['attachment_id']}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert download.status_code == 200
        assert download.content == b"%PDF-1.4 " + b"x" * 12_300
        reference = ticket["reference"]
        assert reference.startswith("DVK-")

        # The customer answers the notification: the reference is in the subject.
        reply = _mail(f"Re: [{reference}] Printer on fire {run}", f"Still burning {run}.",
                      sender="Grace Hopper <grace@example.com>")  # fmt: skip
        await asyncio.to_thread(_send, intake, reply)
        by_reference = await client.get(f"/api/v1/tickets/{reference}", headers={
            "Authorization": f"Bearer {token}"})  # fmt: skip
        assert by_reference.status_code == 200
        replied = await _wait_for_ticket(
            intake,
            client,
            ticket_id,
            token,
            what="the reply on the ticket",
            thread_has=f"burning {run}",
        )
        assert [m["from"] for m in replied["thread"]] == ["customer", "customer"]
        assert replied["thread"][1]["channel"] == "email"
        # A reply never opens a ticket of its own.
        assert (
            await intake.ticket_or_none(client, str(email_ticket_id(_message_id(reply))), token)
            is None
        )

        # A reply naming a Message-ID the system made (In-Reply-To) lands there too.
        threaded = _mail("Re: your ticket", f"Threaded {run}.", sender="grace@example.com",
                         headers={"In-Reply-To": f"<notify.1.{ticket_id}@dvika.care>"})  # fmt: skip
        await asyncio.to_thread(_send, intake, threaded)
        await _wait_for_ticket(
            intake,
            client,
            ticket_id,
            token,
            what="the threaded reply",
            thread_has=f"Threaded {run}",
        )

        # A reference nobody knows opens a new ticket instead of vanishing.
        stray = _mail(f"Re: [DVK-999999] old thing {run}", f"Stray {run}.")
        await asyncio.to_thread(_send, intake, stray)
        await _wait_for_ticket(
            intake,
            client,
            str(email_ticket_id(_message_id(stray))),
            token,
            what="the stray reply's ticket",
        )


async def test_auto_replies_and_bounces_make_nothing(
    stack: Stack, intake: Intake, staff_tokens: dict[str, str]
) -> None:
    token = staff_tokens["agent"]
    run = uuid.uuid4().hex[:8]
    automated_before = intake.metric("dvika_intake_mail_total", outcome="automated")
    opening = _mail(f"Loop check {run}", f"Opening {run}.")
    await asyncio.to_thread(_send, intake, opening)
    ticket_id = str(email_ticket_id(_message_id(opening)))
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await _wait_for_ticket(intake, client, ticket_id, token, what="the opening ticket")
        reference = ticket["reference"]
        # Each would land on the ticket (or open one) if it were taken for a person's mail.
        machines = [
            _mail(f"Re: [{reference}] Out of office {run}", f"auto-1 {run}",
                  headers={"Auto-Submitted": "auto-replied"}),
            _mail(f"Re: [{reference}] {run}", f"auto-2 {run}", headers={"Precedence": "bulk"}),
            _mail(f"Re: [{reference}] {run}", f"auto-3 {run}", headers={"X-Autoreply": "yes"}),
            _mail(f"Undelivered Mail Returned to Sender [{reference}] {run}", f"auto-4 {run}",
                  sender="MAILER-DAEMON@mx.example.com"),
        ]  # fmt: skip
        for machine in machines:
            await asyncio.to_thread(_send, intake, machine)
        bounce = _mail(f"Re: [{reference}] {run}", f"auto-5 {run}")
        await asyncio.to_thread(_send, intake, bounce, "")  # MAIL FROM:<>

        # The next mail from a person proves the listener went on past them.
        person = _mail(f"Re: [{reference}] {run}", f"person {run}")
        await asyncio.to_thread(_send, intake, person)
        latest = await _wait_for_ticket(
            intake, client, ticket_id, token, what="the person's reply", thread_has=f"person {run}"
        )
        assert [m["message"] for m in latest["thread"]] == [f"Opening {run}.", f"person {run}"]
        for machine in [*machines, bounce]:
            would_be = str(email_ticket_id(_message_id(machine)))
            assert await intake.ticket_or_none(client, would_be, token) is None
    assert intake.metric("dvika_intake_mail_total", outcome="automated") == automated_before + 5


async def test_the_same_message_id_twice_makes_one_ticket(
    stack: Stack, intake: Intake, staff_tokens: dict[str, str], kafka_bootstrap: str
) -> None:
    token = staff_tokens["agent"]
    run = uuid.uuid4().hex[:8]
    message = _mail(f"Delivered twice {run}", f"Twice {run}.")
    await asyncio.to_thread(_send, intake, message)
    await asyncio.to_thread(_send, intake, message)
    ticket_id = str(email_ticket_id(_message_id(message)))
    probe = _mail(f"After the duplicate {run}", f"Probe {run}.")
    await asyncio.to_thread(_send, intake, probe)
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        await _wait_for_ticket(
            intake,
            client,
            str(email_ticket_id(_message_id(probe))),
            token,
            what="the probe's ticket",
        )
        ticket = await _wait_for_ticket(
            intake, client, ticket_id, token, what="the duplicated mail"
        )
    assert len(ticket["thread"]) == 1
    assert ticket["version"] == 1
    events = [e for _, e in await read_events(kafka_bootstrap) if str(e.ticket_id) == ticket_id]
    assert [e.type for e in events] == ["ticket.submitted"]
    submitted_about_run = [
        e for _, e in await read_events(kafka_bootstrap)
        if e.type == "ticket.submitted" and f"Delivered twice {run}" in e.payload["subject"]
    ]  # fmt: skip
    assert len(submitted_about_run) == 1


async def test_an_html_only_mail_becomes_plain_text(
    stack: Stack, intake: Intake, staff_tokens: dict[str, str]
) -> None:
    run = uuid.uuid4().hex[:8]
    message = _mail(f"HTML only {run}", "placeholder")
    message.set_content(
        f"<html><head><style>p {{color: red}}</style><script>alert(1)</script></head><body>"
        f"<p>Hello <b>support</b>,</p><p>order {run} is <i>late</i>.<br>"
        f"<a href='https://example.com/o/{run}'>Tracking</a></p></body></html>",
        subtype="html",
    )
    await asyncio.to_thread(_send, intake, message)
    ticket_id = str(email_ticket_id(_message_id(message)))
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await _wait_for_ticket(
            intake, client, ticket_id, staff_tokens["agent"], what="the HTML mail's ticket"
        )
    assert ticket["thread"][0]["message"] == (
        f"Hello support,\n\norder {run} is late.\nTracking (https://example.com/o/{run})"
    )


async def test_unparsable_mail_is_kept_as_a_dead_letter(
    intake: Intake, kafka_bootstrap: str
) -> None:
    run = uuid.uuid4().hex[:8]
    garbage = f"this is no mail at all {run}\r\n\x01\x02 no headers, no sender\r\n".encode()

    def send_garbage() -> None:
        with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp:
            # No From header and a null envelope sender would be a bounce; a real sender
            # address without any header makes the mail unreadable, not automated.
            smtp.sendmail("someone@example.com", [intake.support_address], garbage)

    await asyncio.to_thread(send_garbage)  # 250: the mail is ours, kept

    async def dead_letter() -> DeadLetter | None:
        for record in await read_topic(kafka_bootstrap, DEAD_LETTERS.name, DEAD_LETTERS.partitions):
            letter = DeadLetter.model_validate_json(record.value)
            if run in letter.raw:
                return letter
        return None

    letter = await eventually(dead_letter, timeout_s=WAIT_S, what="the mail's dead letter")
    assert letter.service == "intake"
    assert letter.source_topic == "intake.email"
    assert letter.key == "someone@example.com"
    assert letter.raw.startswith(f"this is no mail at all {run}")
    assert letter.reason


def test_mail_for_another_mailbox_is_refused(intake: Intake) -> None:
    message = _mail("Wrong door", "Hello?")
    with (
        smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        smtp.send_message(message, to_addrs=["sales@dvika.care"])
    assert refused.value.recipients["sales@dvika.care"][0] == 550


def test_the_intake_reports_ready(intake: Intake) -> None:
    ready = httpx.get(f"{intake.url}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"kafka": "ok"}


async def test_after_a_restart_a_reply_still_finds_its_ticket(
    stack: Stack, intake: Intake, staff_tokens: dict[str, str]
) -> None:
    """The reference lookup lives in MongoDB and the consumer group's offsets, not in memory."""
    token = staff_tokens["agent"]
    run = uuid.uuid4().hex[:8]
    opening = _mail(f"Before restart {run}", f"Before {run}.")
    await asyncio.to_thread(_send, intake, opening)
    ticket_id = str(email_ticket_id(_message_id(opening)))
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await _wait_for_ticket(intake, client, ticket_id, token, what="the ticket")
        await asyncio.to_thread(intake.process.stop)
        await asyncio.to_thread(intake.process.start)
        reply = _mail(f"Re: [{ticket['reference']}] Before restart {run}", f"After {run}.")
        await asyncio.to_thread(_send, intake, reply)
        await _wait_for_ticket(
            intake,
            client,
            ticket_id,
            token,
            what="the reply after a restart",
            thread_has=f"After {run}",
        )
