"""Notify against real Kafka, MongoDB, an aiosmtpd server and a stand-in for Slack's webhook.

The stack (tickets + gateway) makes the events; notify runs as its own process with its own
database and consumer group, so the log other tests wrote before is read too (their mails go
to other addresses, which these tests ignore).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID, uuid4, uuid5

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pymongo import AsyncMongoClient

from conftest import Stack, bearer
from contracts.agents import AgentSnapshot
from contracts.envelopes import CommandEnvelope
from contracts.topics import AGENTS, TICKET_COMMANDS
from contracts.values import Actor
from support.kafka_tools import producer, send_command
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

SUPPORT = "support@dvika.care"
MAIL_WAIT_S = 30


# --- an SMTP server that keeps what it receives ----------------------------------------------


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage


@dataclass
class MailSink:
    """aiosmtpd's handler: keeps every message; refuses recipients in `refused` with 550."""

    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, recipient: str) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received if recipient in r.recipients]

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def start_smtp(sink: MailSink, port: int) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    return controller


# --- a stand-in for Slack's incoming webhook -------------------------------------------------


@dataclass
class SlackStub:
    posts: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def about(self, reference: str) -> list[dict[str, Any]]:
        with self.lock:
            return [post for post in self.posts if reference in post["text"]]

    def count(self) -> int:
        with self.lock:
            return len(self.posts)


def start_slack(stub: SlackStub) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with stub.lock:
                stub.posts.append(json.loads(body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/hook"


# --- notify ----------------------------------------------------------------------------------


def notify_env(
    stack: Stack, *, database: str, smtp_port: int, slack_url: str | None
) -> dict[str, str]:
    env = {
        **stack.env,
        "DVIKA_MONGODB_DATABASE": database,
        "DVIKA_NOTIFY_SMTP_PORT": str(smtp_port),
        "DVIKA_NOTIFY_SMTP_LOCAL_HOSTNAME": "localhost",
        "DVIKA_NOTIFY_EVENTS_GROUP": f"notify-test-{uuid4().hex[:8]}",
        "DVIKA_NOTIFY_RETRY_BASE_S": "0.2",
        "DVIKA_NOTIFY_RETRY_MAX_DELAY_S": "1",
        "DVIKA_NOTIFY_MAX_ATTEMPTS": "40",
        "DVIKA_NOTIFY_SENDER_POLL_S": "0.2",
        "DVIKA_NOTIFY_ROSTER_WAIT_S": "5",
        "DVIKA_NOTIFY_DIGEST_ENABLED": "false",
        # No analytics service here (port 9 refuses): the digest must say its figures are
        # unavailable, not fail (a `make run` analytics on 8086 must not answer instead).
        "DVIKA_NOTIFY_ANALYTICS_URL": "http://127.0.0.1:9",
        "DVIKA_NOTIFY_ANALYTICS_TIMEOUT_S": "2",
        # A fresh consumer group reads the whole shared log: what other tests did a while ago
        # must not be mailed here (the backlog would hold up this module's mails), which is
        # what this setting is for in production too (a first start on a long log).
        "DVIKA_NOTIFY_MAX_EVENT_AGE_S": "60",
    }
    if slack_url:
        env["DVIKA_NOTIFY_SLACK_WEBHOOK_URL"] = slack_url
    return env


@dataclass
class Notify:
    process: ServiceProcess
    sink: MailSink
    slack: SlackStub
    smtp_port: int
    slack_url: str
    database: str

    @property
    def url(self) -> str:
        return self.process.url

    async def records(self, **filters: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            found = await client.get("/notifications", params=filters)
        assert found.status_code == 200, found.text
        items: list[dict[str, Any]] = found.json()["items"]
        return items


def _wait_until_caught_up(process: ServiceProcess, timeout_s: float) -> None:
    """A fresh consumer group starts at the log's beginning: everything the other tests wrote
    comes first, and the mail waits below are for this module's tickets only."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = httpx.get(f"{process.url}/status", timeout=5).json()
        if status["lag"] == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"notify did not reach the log's end in {timeout_s:g} s: {status}")


@pytest.fixture(scope="module")
def notify(stack: Stack) -> Iterator[Notify]:
    sink = MailSink()
    smtp_port = free_port()
    smtp = start_smtp(sink, smtp_port)
    slack = SlackStub()
    slack_server, slack_url = start_slack(slack)
    database = f"dvika_notify_{uuid4().hex[:8]}"
    process = ServiceProcess(
        "notify",
        free_port(),
        notify_env(stack, database=database, smtp_port=smtp_port, slack_url=slack_url),
    )
    process.start()
    try:
        _wait_until_caught_up(process, timeout_s=240)
        yield Notify(process, sink, slack, smtp_port, slack_url, database)
    finally:
        process.stop()
        smtp.stop()
        slack_server.shutdown()


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        yield client


def customer_email() -> str:
    return f"ada-{uuid4().hex[:10]}@example.com"


async def submit(
    client: httpx.AsyncClient, email_address: str, subject: str, **extra: Any
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/tickets",
        json={
            "customer": {"name": "Ada Lovelace", "email": email_address},
            "subject": subject,
            "message": "My card was charged twice for March.",
            **extra,
        },
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def mail_to(sink: MailSink, recipient: str, count: int = 1) -> list[EmailMessage]:
    async def arrived() -> list[EmailMessage] | None:
        found = sink.to(recipient)
        return found if len(found) >= count else None

    return await eventually(arrived, timeout_s=MAIL_WAIT_S, what=f"{count} mail(s) to {recipient}")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


async def staff(
    client: httpx.AsyncClient, method: str, path: str, token: str, body: dict[str, Any]
) -> dict[str, Any]:
    answer = await client.request(method, path, json=body, headers=bearer(token))
    assert answer.status_code in (200, 201), (path, answer.text)
    found: dict[str, Any] = answer.json()
    return found


# --- the tests -------------------------------------------------------------------------------


async def test_submission_mails_the_customer_a_confirmation_with_the_tracking_link(
    notify: Notify, gateway: httpx.AsyncClient
) -> None:
    address = customer_email()
    ticket = await submit(gateway, address, "Charged twice")

    [mail] = await mail_to(notify.sink, address)

    reference = ticket["reference"]
    assert mail["To"] == address
    assert mail["Subject"] == f"[{reference}] Charged twice"
    assert mail["Reply-To"] == SUPPORT
    assert "Dvika Care" in mail["From"]
    assert mail["Message-ID"] == f"<ticket-{ticket['id']}@dvika.care>"
    assert mail["Auto-Submitted"] == "auto-generated"
    # The very link the gateway answered with: same HMAC token, same portal URL.
    assert ticket["tracking_url"] in text_of(mail)
    assert ticket["tracking_url"].replace("&", "&amp;") in html_of(mail)
    assert reference in html_of(mail)


async def test_an_agent_reply_is_mailed_threaded_and_internal_notes_never(
    notify: Notify, gateway: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    address = customer_email()
    ticket = await submit(gateway, address, "Invoice missing")
    tid, root = ticket["id"], f"<ticket-{ticket['id']}@dvika.care>"
    await mail_to(notify.sink, address)
    agent = staff_tokens["agent"]

    note = f"internal-{uuid4().hex}"
    await staff(gateway, "POST", f"/api/v1/tickets/{tid}/reply", agent,
                {"from": "agent", "message": f"Legacy plan {note}", "internal": True})  # fmt: skip
    await staff(gateway, "POST", f"/api/v1/tickets/{tid}/reply", agent,
                {"from": "agent", "message": "We re-sent the invoice to you."})  # fmt: skip

    _, reply = await mail_to(notify.sink, address, count=2)
    assert reply["Subject"] == f"Re: [{ticket['reference']}] Invoice missing"
    assert reply["In-Reply-To"] == root
    assert reply["References"] == root
    assert reply["Message-ID"] != root
    assert reply["Message-ID"].endswith(f".{tid}@dvika.care>")
    assert reply["Reply-To"] == SUPPORT
    body = text_of(reply)
    assert "We re-sent the invoice to you." in body
    # The thread's context: the customer's first message under the reply.
    assert "My card was charged twice for March." in body
    # The note came before the reply in the log, so it was decided on already: never mailed.
    assert all(note not in text_of(m) and note not in html_of(m) for m in notify.sink.to(address))
    kinds = sorted(record["kind"] for record in await notify.records(ticket_id=tid))
    assert kinds == ["agent_reply", "ticket_received"]


async def test_resolving_mails_a_rating_link_and_on_hold_asks_for_information(
    notify: Notify, gateway: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    address = customer_email()
    ticket = await submit(gateway, address, "Refund please")
    tid = ticket["id"]
    await mail_to(notify.sink, address)
    agent = staff_tokens["agent"]

    await staff(gateway, "PATCH", f"/api/v1/tickets/{tid}/status", agent,
                {"status": "on_hold", "reason": "Which card was charged?"})  # fmt: skip
    _, waiting = await mail_to(notify.sink, address, count=2)
    assert "We need more information" in waiting["Subject"]
    assert "Which card was charged?" in text_of(waiting)

    await staff(gateway, "PATCH", f"/api/v1/tickets/{tid}/status", agent,
                {"status": "resolved", "reason": "Refunded to your card."})  # fmt: skip
    *_, resolved = await mail_to(notify.sink, address, count=3)
    assert resolved["Subject"] == f"Re: [{ticket['reference']}] Resolved: Refund please"
    assert resolved["In-Reply-To"] == f"<ticket-{tid}@dvika.care>"
    assert f"{ticket['tracking_url']}#rating-title" in text_of(resolved)
    assert "Refunded to your card." in text_of(resolved)


async def test_an_opted_out_customer_gets_replies_and_nothing_else(
    notify: Notify, gateway: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    address = customer_email()
    async with httpx.AsyncClient(base_url=notify.url, timeout=10) as api:
        refused = await api.post("/optout", json={"email": "not an address"})
        assert refused.status_code == 422
        opted = await api.post("/optout", json={"email": address.upper()})
        assert opted.status_code == 200
        assert opted.json()["opted_out"] is True
        assert (await api.get(f"/optout/{address}")).json()["opted_out"] is True

    ticket = await submit(gateway, address, "Stop mailing me")
    tid = ticket["id"]
    await staff(gateway, "POST", f"/api/v1/tickets/{tid}/reply", staff_tokens["agent"],
                {"from": "agent", "message": "Noted, only answers from now on."})  # fmt: skip
    [reply] = await mail_to(notify.sink, address)
    assert "Noted, only answers from now on." in text_of(reply)
    # The confirmation was decided before the reply (same partition, in order): never made.
    assert [r["kind"] for r in await notify.records(ticket_id=tid)] == ["agent_reply"]


async def test_an_agent_hears_of_an_assignment_from_a_colleague(
    notify: Notify,
    gateway: httpx.AsyncClient,
    staff_tokens: dict[str, str],
    kafka_bootstrap: str,
) -> None:
    me = (await gateway.get("/api/v1/auth/me", headers=bearer(staff_tokens["agent"]))).json()
    agent_mail = f"agent-{uuid4().hex[:8]}@staff.example.com"
    snapshot = AgentSnapshot(
        account_id=me["id"],
        name="Agatha Agent",
        email=agent_mail,
        role="agent",
        updated_at=datetime.now(UTC) + timedelta(days=1),  # newer than any the gateway sent
    )
    kafka = await producer(kafka_bootstrap)
    try:
        await kafka.send_and_wait(
            AGENTS.name, snapshot.model_dump_json().encode(), key=me["id"].encode()
        )
    finally:
        await kafka.stop()

    async def roster_has_agent() -> bool:
        return bool((await status_of(notify.url))["roster"] >= 1)

    await eventually(roster_has_agent, timeout_s=15, what="the roster")

    ticket = await submit(gateway, customer_email(), "Printer on fire")
    await staff(gateway, "PATCH", f"/api/v1/tickets/{ticket['id']}/assign",
                staff_tokens["manager"], {"assignee": me["id"], "queue": "technical"})  # fmt: skip

    [mail] = await mail_to(notify.sink, agent_mail)
    assert mail["Subject"] == f"{ticket['reference']} assigned to you: Printer on fire"
    assert "no-reply@dvika.care" in mail["From"]
    assert mail["Reply-To"] is None
    assert f"/admin?ticket={ticket['id']}" in text_of(mail)

    # The console feed: the assignment, then the customer's reply, unread until read.
    replied = await gateway.post(
        f"/api/v1/tickets/{ticket['id']}/reply",
        params={"token": ticket["tracking_token"]},
        json={"from": "customer", "message": "It is still smoking."},
    )
    assert replied.status_code == 201, replied.text
    async with httpx.AsyncClient(base_url=notify.url, timeout=10) as api:

        async def both_items() -> dict[str, Any] | None:
            found: dict[str, Any] = (await api.get(f"/feed/{me['id']}")).json()
            mine = [i for i in found["items"] if i["ticket_id"] == ticket["id"]]
            return found if len(mine) == 2 else None

        found = await eventually(both_items, timeout_s=MAIL_WAIT_S, what="two feed items")
        mine = [i for i in found["items"] if i["ticket_id"] == ticket["id"]]
        assert [i["kind"] for i in mine] == ["customer_replied", "assigned"]
        assert found["unread"] >= 2
        marked = await api.post(f"/feed/{me['id']}/read", json={})
        assert marked.json() == {"unread": 0}
        unread = (await api.get(f"/feed/{me['id']}", params={"unread_only": "true"})).json()
        assert unread == {"items": [], "unread": 0}


async def test_slack_hears_of_a_p1_ticket_and_an_escalation(
    notify: Notify, gateway: httpx.AsyncClient, staff_tokens: dict[str, str]
) -> None:
    ticket = await submit(gateway, customer_email(), "Checkout down", priority="P1")
    reference, tid = ticket["reference"], ticket["id"]

    async def posts(count: int) -> list[dict[str, Any]] | None:
        found = notify.slack.about(reference)
        return found if len(found) >= count else None

    [p1] = await eventually(lambda: posts(1), timeout_s=MAIL_WAIT_S, what="the P1 alert")
    assert p1["channel"] == "#dvika-care-alerts"
    assert "P1" in p1["text"]
    assert f"/admin?ticket={tid}>" not in p1["text"]
    assert f"/admin?ticket={tid}|" in p1["text"]

    await staff(gateway, "POST", f"/api/v1/tickets/{tid}/escalate", staff_tokens["agent"],
                {"reason": "Payment provider outage", "tier": "engineering"})  # fmt: skip
    _, escalated = await eventually(lambda: posts(2), timeout_s=MAIL_WAIT_S, what="escalation")
    assert "escalated to engineering" in escalated["text"]
    assert "Payment provider outage" in escalated["text"]


async def test_slack_hears_of_sla_warnings_and_breaches(
    notify: Notify, gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    ticket = await submit(gateway, customer_email(), "Slow answers")
    reference, tid = ticket["reference"], UUID(ticket["id"])
    due = datetime.now(UTC) + timedelta(minutes=20)
    kafka = await producer(kafka_bootstrap)
    try:
        for kind, payload in (
            ("ticket.record_sla_warning", {"target": "first_response"}),
            ("ticket.record_sla_breach", {"target": "first_response", "escalate": False}),
        ):
            command_id = uuid5(tid, kind)
            await send_command(
                kafka,
                TICKET_COMMANDS.name,
                CommandEnvelope(
                    command_id=command_id,
                    type=kind,
                    ticket_id=tid,
                    issued_at=datetime.now(UTC),
                    actor=Actor(kind="system", id="sla"),
                    correlation_id=command_id,
                    payload={**payload, "due_at": due.isoformat()},
                ),
            )
    finally:
        await kafka.stop()

    async def both() -> list[dict[str, Any]] | None:
        found = notify.slack.about(reference)
        return found if len(found) >= 2 else None

    warning, breach = await eventually(both, timeout_s=MAIL_WAIT_S, what="SLA alerts")
    assert "at risk: first response" in warning["text"]
    assert "breached its first response target" in breach["text"]


async def test_replaying_the_log_sends_nothing_a_second_time(
    notify: Notify,
    gateway: httpx.AsyncClient,
    stack: Stack,
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    # Something fresh, so the first instance has surely caught up once it is mailed.
    address = customer_email()
    await submit(gateway, address, "Before the replay", priority="P1")
    await mail_to(notify.sink, address)
    await eventually(
        lambda: _sent_everything(notify), timeout_s=MAIL_WAIT_S, what="nothing pending"
    )
    mails, posts = notify.sink.count(), notify.slack.count()
    recorded = await mongo[notify.database]["notifications"].count_documents({})

    # What notify knows of tickets is rebuilt from nothing, by a second instance with a fresh
    # consumer group: every event is decided again, and only the records' keys stop a resend.
    await mongo[notify.database]["notify_ticket_facts"].drop()
    replay = ServiceProcess(
        "notify",
        free_port(),
        notify_env(
            stack, database=notify.database, smtp_port=notify.smtp_port, slack_url=notify.slack_url
        ),
    )
    replay.start()
    try:

        async def caught_up() -> dict[str, Any] | None:
            status = await status_of(replay.url)
            return status if status["lag"] == 0 and status["events_handled"] > 0 else None

        status = await eventually(caught_up, timeout_s=240, what="the replay at the log's end")
        # Its sender looks for due records every 0.2 s: let it look a few times.
        await sender_passes(replay.url, status["sender_passes"] + 3)
        assert await _sent_everything(notify)
        rebuilt = await mongo[notify.database]["notify_ticket_facts"].count_documents({})
        assert rebuilt > 0
    finally:
        replay.stop()
    assert (notify.sink.count(), notify.slack.count()) == (mails, posts)
    assert await mongo[notify.database]["notifications"].count_documents({}) == recorded


async def _sent_everything(notify: Notify) -> bool:
    return not await notify.records(status="pending")


async def test_the_admin_api_answers_unknown_notifications_with_404(notify: Notify) -> None:
    async with httpx.AsyncClient(base_url=notify.url, timeout=10) as api:
        assert (await api.post(f"/notifications/{uuid4()}/retry")).status_code == 404
        assert (await api.get(f"/notifications/{uuid4()}")).status_code == 404
        assert (await api.get("/notifications", params={"status": "lost"})).status_code == 422


# --- faults ----------------------------------------------------------------------------------


async def test_mail_waits_out_a_dead_smtp_server_and_arrives_once(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    sink = MailSink()
    smtp_port = free_port()  # nothing listens there yet
    database = f"dvika_notify_{uuid4().hex[:8]}"
    process = ServiceProcess(
        "notify",
        free_port(),
        notify_env(stack, database=database, smtp_port=smtp_port, slack_url=None),
    )
    process.start()
    smtp: Controller | None = None
    try:
        await asyncio.to_thread(_wait_until_caught_up, process, 240)
        address = customer_email()
        ticket = await submit(gateway, address, "While the mail server is down")

        async def failing() -> list[dict[str, Any]] | None:
            async with httpx.AsyncClient(base_url=process.url, timeout=10) as api:
                found = (await api.get("/notifications", params={"ticket_id": ticket["id"]})).json()
            items = [r for r in found["items"] if r["attempts"] >= 2]
            return items or None

        [record] = await eventually(failing, timeout_s=MAIL_WAIT_S, what="failed attempts")
        assert record["status"] == "pending"
        assert record["last_error"]

        smtp = start_smtp(sink, smtp_port)
        [mail] = await mail_to(sink, address)
        assert mail["Subject"] == f"[{ticket['reference']}] While the mail server is down"

        async def sent() -> dict[str, Any] | None:
            async with httpx.AsyncClient(base_url=process.url, timeout=10) as api:
                found = await api.get(f"/notifications/{record['id']}")
            body: dict[str, Any] = found.json()
            return body if body["status"] == "sent" else None

        await eventually(sent, timeout_s=MAIL_WAIT_S, what="the record marked sent")
        # A few more sender passes later: still one mail.
        now = (await status_of(process.url))["sender_passes"]
        await sender_passes(process.url, now + 3)
        assert len(sink.to(address)) == 1
    finally:
        process.stop()
        if smtp is not None:
            smtp.stop()


async def test_a_refused_mail_is_dead_lettered_and_can_be_retried(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    sink = MailSink()
    address = customer_email()
    sink.refused.add(address)
    smtp_port = free_port()
    smtp = start_smtp(sink, smtp_port)
    database = f"dvika_notify_{uuid4().hex[:8]}"
    process = ServiceProcess(
        "notify",
        free_port(),
        notify_env(stack, database=database, smtp_port=smtp_port, slack_url=None),
    )
    process.start()
    try:
        await asyncio.to_thread(_wait_until_caught_up, process, 240)
        ticket = await submit(gateway, address, "Mailbox full")
        async with httpx.AsyncClient(base_url=process.url, timeout=10) as api:

            async def dead() -> list[dict[str, Any]] | None:
                found = (await api.get("/notifications", params={"status": "dead"})).json()
                return [r for r in found["items"] if r["ticket_id"] == ticket["id"]] or None

            [record] = await eventually(dead, timeout_s=MAIL_WAIT_S, what="a dead notification")
            assert "550" in record["last_error"]
            assert sink.to(address) == []

            sink.refused.clear()
            retried = await api.post(f"/notifications/{record['id']}/retry")
            assert retried.status_code == 200
            assert retried.json()["status"] == "pending"
            [mail] = await mail_to(sink, address)
            assert ticket["reference"] in mail["Subject"]

            async def sent() -> bool:
                body = (await api.get(f"/notifications/{record['id']}")).json()
                return bool(body["status"] == "sent")

            await eventually(sent, timeout_s=MAIL_WAIT_S, what="sent after the retry")
            again = await api.post(f"/notifications/{record['id']}/retry")
            assert again.status_code == 409
    finally:
        process.stop()
        smtp.stop()


async def status_of(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5) as client:
        status: dict[str, Any] = (await client.get(f"{url}/status")).json()
    return status


async def sender_passes(url: str, at_least: int) -> None:
    async def enough() -> bool:
        return bool((await status_of(url))["sender_passes"] >= at_least)

    await eventually(enough, timeout_s=15, what=f"{at_least} sender passes")


async def test_managers_get_the_daily_digest_once_a_day(
    notify: Notify, gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    manager_mail = f"manager-{uuid4().hex[:8]}@staff.example.com"
    account = f"test-manager-{uuid4().hex[:8]}"
    snapshot = AgentSnapshot(
        account_id=account, name="Meena Manager", email=manager_mail, role="manager",
        updated_at=datetime.now(UTC),
    )  # fmt: skip
    kafka = await producer(kafka_bootstrap)
    try:
        await kafka.send_and_wait(
            AGENTS.name, snapshot.model_dump_json().encode(), key=account.encode()
        )
    finally:
        await kafka.stop()
    address = customer_email()
    ticket = await submit(gateway, address, "In today's digest")
    await mail_to(notify.sink, address)

    async with httpx.AsyncClient(base_url=notify.url, timeout=10) as api:

        async def digest_made() -> bool:
            made = await api.post("/digests/run")
            assert made.status_code == 200, made.text
            return bool(notify.sink.to(manager_mail))

        # Until the roster has the manager, the digest goes to nobody new.
        await eventually(digest_made, timeout_s=MAIL_WAIT_S, interval_s=0.5, what="a digest")
        [digest] = await mail_to(notify.sink, manager_mail)
        assert "daily digest" in digest["Subject"]
        assert ticket["reference"] in text_of(digest)
        assert "The figures are unavailable" in text_of(digest)
        assert "no-reply@dvika.care" in digest["From"]
        # The same day again: nothing new.
        again = await api.post("/digests/run")
        assert again.json() == {"recorded": 0}
    await sender_passes(notify.url, (await status_of(notify.url))["sender_passes"] + 3)
    assert len(notify.sink.to(manager_mail)) == 1
