"""intake: customers' mail over SMTP and partners' records on `intake.requests`, into tickets.

The intake service runs for this scenario only. Each channel's rate is messages that became
a `ticket.submitted` on the log per second, from the first message sent to the last such
event read (read committed); every message carries a unique marker in its subject, so
missing tickets and duplicates are counted, not assumed.

- email: N mails over `CONNECTIONS` SMTP sessions at once (aiosmtplib, several mails per
  session, as a relaying MTA would). Beside it: the same client into a bare aiosmtpd sink
  (the SMTP transport's ceiling; only the answer, no ticket).
- partner topic: N `IntakeRequest` records, plus a tenth of them sent a second time (a
  partner retrying), produced as fast as the producer goes. Beside it: the same N
  submissions straight onto the command topic (what the tickets service does without the
  intake in front of it).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import aiosmtplib

from bench.report import Result
from bench.scenario_notify import RunningSink, start_group_at_end
from bench.scenario_sla_timers import LogWatch, send_paced, submit_envelope
from bench.stack import STATE, Stack, on_demand_service
from contracts.topics import INTAKE_REQUESTS, TICKET_COMMANDS, TICKET_EVENTS

INTAKE_PORT = 28082
SMTP_PORT = 28025
CEILING_SMTP_PORT = 28027
CONNECTIONS = 16
SUPPORT = "support@dvika.care"
PARTNER = "bench-partner"
# Provisional: issue 12 names the metric (messages/s) but no figure.
TARGET_EMAIL_PER_S = 100
TARGET_PARTNER_PER_S = 1000
MESSAGE = "Hello, the export of last month's report stops with a timeout. " * 2


@dataclass
class Tickets:
    """`ticket.submitted` events whose subject starts with `marker`, counted per subject."""

    marker: str
    subjects: Counter[str] = field(default_factory=Counter)
    last_at: float = 0.0

    def on_event(self, event: dict[str, Any], _: datetime) -> None:
        if event.get("type") != "ticket.submitted":
            return
        subject = str(event["payload"].get("subject", ""))
        if subject.startswith(self.marker):
            self.subjects[subject] += 1
            self.last_at = time.perf_counter()

    def subject(self, n: int) -> str:
        return f"{self.marker} {n:07d}: export times out"

    @property
    def distinct(self) -> int:
        return len(self.subjects)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.subjects.values())

    async def wait_for(self, expected: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        # The log is read by another task: poll what it counted, with a deadline.
        while self.distinct < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # a moment more, for duplicates to show


def mail(n: int, subject: str, run: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Bench Customer {n} <m{n}@intake-bench.example.com>"
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<bench-{run}-{n}@intake-bench.example.com>"
    message.set_content(MESSAGE)
    return message


async def send_mails(port: int, messages: list[EmailMessage]) -> tuple[float, int]:
    """Every message over `CONNECTIONS` sessions at once: (seconds, answers other than 250)."""
    refused = 0

    async def session(share: list[EmailMessage]) -> None:
        nonlocal refused
        client = aiosmtplib.SMTP(
            hostname="127.0.0.1", port=port, local_hostname="bench", timeout=60
        )
        async with client:
            for message in share:
                try:
                    await client.send_message(message)
                except aiosmtplib.SMTPException:
                    refused += 1

    started = time.perf_counter()
    await asyncio.gather(*(session(messages[i::CONNECTIONS]) for i in range(CONNECTIONS)))
    return time.perf_counter() - started, refused


async def email_channel(stack: Stack, count: int, timeout_s: float) -> Result:
    run = uuid4().hex[:8]
    tickets = Tickets(f"Bench mail {run}")
    messages = [mail(n, tickets.subject(n), run) for n in range(count)]
    async with LogWatch(stack.kafka, tickets.on_event):
        started = time.perf_counter()
        sent_s, refused = await send_mails(SMTP_PORT, messages)
        await tickets.wait_for(count, timeout_s)
    elapsed = max(tickets.last_at - started, 1e-6)
    rate = tickets.distinct / elapsed
    with RunningSink(CEILING_SMTP_PORT):
        ceiling_s, _ = await send_mails(CEILING_SMTP_PORT, messages)
    ceiling = count / ceiling_s
    missing = count - tickets.distinct
    met = rate >= TARGET_EMAIL_PER_S and missing == 0 and tickets.duplicates == 0 and not refused
    return Result(
        scenario="intake",
        metric=f"email: mails → tickets on the log per s, {count} mails",
        value=round(rate, 1),
        unit="messages/s",
        target=f">= {TARGET_EMAIL_PER_S}",
        met=met,
        ceiling=round(ceiling, 1),
        ratio=round(rate / ceiling, 3) if ceiling else None,
        detail=f"{tickets.distinct} tickets, {missing} missing, {tickets.duplicates} "
        f"duplicates, {refused} refused; all answered 250 after {sent_s:.1f} s "
        f"({count / sent_s:.0f}/s) over {CONNECTIONS} SMTP sessions; ceiling: the same client "
        "into a bare aiosmtpd sink (target provisional)",
    )


def partner_record(n: int, subject: str, run: str) -> tuple[bytes, bytes]:
    key = f"{run}-{n}"
    request = {
        "partner_id": PARTNER,
        "idempotency_key": key,
        "customer": {"name": f"Partner Customer {n}", "email": f"p{n}@intake-bench.example.com"},
        "subject": subject,
        "message": MESSAGE,
    }
    return key.encode(), json.dumps(request).encode()


async def _submissions_straight(stack: Stack, count: int, timeout_s: float) -> float:
    """The ceiling: the same submissions as commands, no intake in front (tickets/s)."""
    tickets = Tickets(f"Bench direct {uuid4().hex[:8]}")
    records = []
    for n in range(count):
        ticket_id = uuid4()
        body = {
            "customer": {"name": f"Direct {n}", "email": f"d{n}@intake-bench.example.com"},
            "subject": tickets.subject(n),
            "message": MESSAGE,
        }
        records.append((str(ticket_id).encode(), submit_envelope(body, ticket_id)))
    async with LogWatch(stack.kafka, tickets.on_event):
        started = time.perf_counter()
        await send_paced(stack.kafka, TICKET_COMMANDS.name, records, 0)
        await tickets.wait_for(count, timeout_s)
    return tickets.distinct / max(tickets.last_at - started, 1e-6)


async def partner_channel(stack: Stack, count: int, timeout_s: float) -> Result:
    run = uuid4().hex[:8]
    tickets = Tickets(f"Bench partner {run}")
    records = [partner_record(n, tickets.subject(n), run) for n in range(count)]
    retried = records[::10]  # a partner that sends a tenth of its requests twice
    async with LogWatch(stack.kafka, tickets.on_event):
        started = time.perf_counter()
        await send_paced(stack.kafka, INTAKE_REQUESTS.name, records + retried, 0)
        await tickets.wait_for(count, timeout_s)
    elapsed = max(tickets.last_at - started, 1e-6)
    rate = tickets.distinct / elapsed
    ceiling = await _submissions_straight(stack, count, timeout_s)
    missing = count - tickets.distinct
    met = rate >= TARGET_PARTNER_PER_S and missing == 0 and tickets.duplicates == 0
    return Result(
        scenario="intake",
        metric=f"partner topic: records → tickets on the log per s, {count} requests",
        value=round(rate, 1),
        unit="messages/s",
        target=f">= {TARGET_PARTNER_PER_S}",
        met=met,
        ceiling=round(ceiling, 1),
        ratio=round(rate / ceiling, 3) if ceiling else None,
        detail=f"{tickets.distinct} tickets, {missing} missing, {tickets.duplicates} "
        f"duplicates ({len(retried)} requests sent twice); ceiling: the same submissions "
        "straight onto the command topic (target provisional)",
    )


async def intake(stack: Stack, mails: int, requests: int, timeout_s: float) -> list[Result]:
    # The reference lookup's group skips the history: folding a full run's log into
    # MongoDB would compete with the measurement, and these mails name no ticket.
    references = f"bench-intake-references-{uuid4()}"
    await start_group_at_end(stack.kafka, references, TICKET_EVENTS)
    extra = {
        "DVIKA_INTAKE_SMTP_PORT": str(SMTP_PORT),
        "DVIKA_INTAKE_SMTP_HOSTNAME": "bench",
        "DVIKA_INTAKE_PARTNER_GROUP": f"bench-intake-partners-{uuid4()}",
        "DVIKA_INTAKE_REFERENCES_GROUP": references,
        "DVIKA_ATTACHMENTS_DIR": str(STATE / "attachments"),
    }
    with on_demand_service(stack, "intake", INTAKE_PORT, extra):
        return [
            await email_channel(stack, mails, timeout_s),
            await partner_channel(stack, requests, timeout_s),
        ]
