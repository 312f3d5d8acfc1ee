"""A customer answers notify's mails from their mail client, and the answers land on the ticket.

Tickets, gateway, intake and notify run as processes; notify's mail goes to an aiosmtpd
server here, and the customer's answers go to the intake's SMTP listener, threaded only by
what notify wrote: the Reply-To address, the `[DVK-…]` subject, or the Message-ID alone.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from conftest import Stack, bearer
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

if TYPE_CHECKING:
    from e2e.conftest_intake import Intake

pytest_plugins = ["e2e.conftest_intake"]
pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

WAIT_S = 30


@dataclass
class Inbox:
    """Everything notify sent, by recipient."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, recipient: str) -> list[EmailMessage]:
        with self.lock:
            return [message for rcpts, message in self.messages if recipient in rcpts]


@dataclass
class Notify:
    process: ServiceProcess
    inbox: Inbox


@pytest.fixture(scope="module")
def notify(stack: Stack) -> Iterator[Notify]:
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    process = ServiceProcess(
        "notify",
        free_port(),
        {
            **stack.env,
            "DVIKA_MONGODB_DATABASE": f"dvika_notify_{uuid4().hex[:8]}",
            "DVIKA_NOTIFY_SMTP_PORT": str(smtp_port),
            "DVIKA_NOTIFY_SMTP_LOCAL_HOSTNAME": "localhost",
            "DVIKA_NOTIFY_EVENTS_GROUP": f"notify-e2e-{uuid4().hex[:8]}",
            "DVIKA_NOTIFY_SENDER_POLL_S": "0.2",
            "DVIKA_NOTIFY_ROSTER_WAIT_S": "5",
            "DVIKA_NOTIFY_DIGEST_ENABLED": "false",
        },
    )
    process.start()
    try:
        yield Notify(process, inbox)
    finally:
        process.stop()
        controller.stop()


async def mails_to(inbox: Inbox, recipient: str, count: int) -> list[EmailMessage]:
    async def arrived() -> list[EmailMessage] | None:
        found = inbox.to(recipient)
        return found if len(found) >= count else None

    return await eventually(arrived, timeout_s=WAIT_S, what=f"{count} mail(s) to {recipient}")


def answer(
    original: EmailMessage, sender: str, body: str, subject: str | None = None
) -> EmailMessage:
    """What a mail client sends on "Reply": to Reply-To, with the threading headers."""
    message = EmailMessage()
    message["From"] = f"Ada Lovelace <{sender}>"
    message["To"] = original["Reply-To"]
    message["Subject"] = subject or f"Re: {original['Subject']}"
    message["Message-ID"] = email.utils.make_msgid(domain="example.com")
    message["In-Reply-To"] = original["Message-ID"]
    message["References"] = original["Message-ID"]
    message.set_content(body)
    return message


async def thread_texts(client: httpx.AsyncClient, ticket_id: str, token: str) -> list[str]:
    found = await client.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
    if found.status_code == 404:
        # Notify can mail before the gateway's read model has the ticket.
        return []
    assert found.status_code == 200, found.text
    return [message["message"] for message in found.json()["thread"]]


async def test_answers_to_notify_mails_thread_back_into_the_ticket(
    stack: Stack, intake: Intake, notify: Notify, staff_tokens: dict[str, str]
) -> None:
    address = f"ada-{uuid4().hex[:10]}@example.com"
    agent = staff_tokens["agent"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        created = await client.post(
            "/api/v1/tickets",
            json={
                "customer": {"name": "Ada Lovelace", "email": address},
                "subject": "Charged twice",
                "message": "My card was charged twice for March.",
            },
        )
        assert created.status_code == 201, created.text
        ticket: dict[str, Any] = created.json()
        [confirmation] = await mails_to(notify.inbox, address, 1)
        assert confirmation["Reply-To"] == intake.support_address

        # 1. "Reply" to the confirmation: the subject's [DVK-…] and In-Reply-To name the ticket.
        with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp:
            smtp.send_message(answer(confirmation, address, "It was the Visa card."))

        async def has(text: str) -> list[str] | None:
            texts = await thread_texts(client, ticket["id"], agent)
            return texts if text in texts else None

        await eventually(lambda: has("It was the Visa card."), timeout_s=WAIT_S, what="answer 1")

        # 2. The agent answers; notify mails it; the customer answers that mail with a subject
        # of their own: only the Message-ID notify wrote threads it.
        replied = await client.post(
            f"/api/v1/tickets/{ticket['id']}/reply",
            json={"from": "agent", "message": "Refunded. Anything else?"},
            headers=bearer(agent),
        )
        assert replied.status_code == 201, replied.text
        _, reply = await mails_to(notify.inbox, address, 2)
        assert "Refunded. Anything else?" in reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp:
            smtp.send_message(answer(reply, address, "No, thank you!", subject="thanks"))
        texts = await eventually(lambda: has("No, thank you!"), timeout_s=WAIT_S, what="answer 2")

    assert texts == [
        "My card was charged twice for March.",
        "It was the Visa card.",
        "Refunded. Anything else?",
        "No, thank you!",
    ]
