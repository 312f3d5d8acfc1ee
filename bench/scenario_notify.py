"""notify: ticket events in, mails out to a local SMTP server, end to end.

N submissions and then one public agent reply on each go straight onto the command topic;
each owes its customer two mails (the confirmation and the reply), so 2N are expected at an
aiosmtpd sink the bench runs. The rate is mails received per second from the first command
sent to the last mail in. Notify runs for this scenario only, in a consumer group of its own
whose offsets the bench first sets to the log's end (`start_group_at_end`): reading a full
run's whole log first would take notify hours (MongoDB round trips per ticket). Only mail
to this run's customers counts. Beside it: the same sink fed by bare aiosmtplib, one
connection per mail as notify sends them, one after another (the sender's ceiling).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from uuid import UUID, uuid4

import aiosmtplib
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pymongo import AsyncMongoClient

from bench.clients import ticket_body
from bench.report import Result
from bench.scenario_commands import envelope
from bench.scenario_sla_timers import send_paced
from bench.stack import Stack, on_demand_service
from contracts.commands import PostMessage, SubmitTicket
from contracts.topics import TICKET_COMMANDS, TICKET_EVENTS, TopicSpec
from contracts.values import Actor

NOTIFY_PORT = 28085
SINK_PORT = 28125
# Provisional: issue 12 names the metric (mails/s to a local SMTP server) but no figure.
TARGET_PER_S = 50
CUSTOMER_DOMAIN = "notify-bench.example.com"
REPLY = "Thanks for writing, we found the cause and fixed the export."


@dataclass
class MailSink:
    """aiosmtpd's handler: counts each mail by its recipients, with the time it came in."""

    received: Counter[str] = field(default_factory=Counter)
    message_ids: Counter[str] = field(default_factory=Counter)
    last_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        headers = BytesHeaderParser().parsebytes(raw if isinstance(raw, bytes) else b"")
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[recipient.lower()] += 1
            self.message_ids[str(headers.get("Message-ID", ""))] += 1
            self.last_at = time.perf_counter()
        return "250 OK"

    def count(self, domain: str | None = None) -> int:
        with self.lock:
            return sum(
                n for to, n in self.received.items() if domain is None or to.endswith(domain)
            )


class RunningSink:
    """The sink on `port` in aiosmtpd's own thread, for an `async with`."""

    def __init__(self, port: int) -> None:
        self.mail = MailSink()
        self._controller = Controller(
            self.mail, hostname="127.0.0.1", port=port, server_hostname="bench-sink"
        )

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self.mail

    def __exit__(self, *_: object) -> None:
        self._controller.stop()


async def start_group_at_end(bootstrap: str, group: str, topic: TopicSpec) -> None:
    """Commit `group`'s offsets at `topic`'s current end, as `kafka-consumer-groups
    --reset-offsets --to-latest` would: a service started in that group skips the history."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: ends[tp] for tp in partitions})
    finally:
        await consumer.stop()


async def read_model_quiet(stack: Stack, timeout_s: float) -> float:
    """Until the gateway's ticket read model stops growing (2 s alike): notify shares
    FerretDB with it, so a projection backlog left by an earlier scenario would be measured
    here. Returns the seconds waited."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.mongodb)
    started = time.monotonic()
    try:
        db = client[stack.database]
        meta = await db["projection_meta"].find_one({"_id": "tickets"})
        tickets = db[str(meta["collection"]) if meta else "tickets_v1"]
        last, quiet = -1, 0
        while quiet < 2 and time.monotonic() - started < timeout_s:
            count = await tickets.estimated_document_count()
            quiet = quiet + 1 if count == last else 0
            last = count
            await asyncio.sleep(1)
        return time.monotonic() - started
    finally:
        await client.close()


async def _wait_caught_up(timeout_s: float) -> float:
    """Until notify's consumer group has no lag (it starts at the log's beginning)."""
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{NOTIFY_PORT}") as client:
        while time.monotonic() - started < timeout_s:
            status = (await client.get("/status")).json()
            if status["lag"] == 0:
                return time.monotonic() - started
            await asyncio.sleep(0.5)
    raise TimeoutError(f"notify did not catch up with the event log in {timeout_s} s")


def workload(tickets: int) -> list[tuple[bytes, bytes]]:
    """N submissions by customers of the bench's own domain, then an agent reply on each."""
    ids: list[UUID] = [uuid4() for _ in range(tickets)]
    customer, agent = Actor(kind="customer"), Actor(kind="agent", id="bench-agent")
    out = []
    for n, ticket_id in enumerate(ids):
        body = ticket_body(n)
        body["customer"] = {"name": f"Bench Customer {n}", "email": f"c{n}@{CUSTOMER_DOMAIN}"}
        out.append((str(ticket_id).encode(), envelope(SubmitTicket(**body), ticket_id, customer)))
    reply = PostMessage(author="agent", message=REPLY)
    out += [(str(i).encode(), envelope(reply, i, agent)) for i in ids]
    return out


async def smtp_ceiling(mails: int) -> float:
    """Mails/s into a fresh sink: aiosmtplib, a connection per mail, one after another."""
    with RunningSink(SINK_PORT + 1) as sink:
        message = EmailMessage()
        message["From"] = "Dvika Care <support@dvika.care>"
        message["Subject"] = "[DVK-1000] We received your request"
        message.set_content("Hello, we received your request. " * 10)
        message.add_alternative("<p>Hello, we received your request.</p>" * 10, subtype="html")
        started = time.perf_counter()
        for n in range(mails):
            del message["To"]
            message["To"] = f"c{n}@{CUSTOMER_DOMAIN}"
            await aiosmtplib.send(
                message, hostname="127.0.0.1", port=SINK_PORT + 1, local_hostname="bench"
            )
        elapsed = time.perf_counter() - started
        return sink.count() / elapsed


async def notify(stack: Stack, tickets: int, send_s: float, timeout_s: float) -> list[Result]:
    expected = 2 * tickets
    group = f"bench-notify-{uuid4()}"
    await start_group_at_end(stack.kafka, group, TICKET_EVENTS)
    extra = {
        "DVIKA_NOTIFY_SMTP_PORT": str(SINK_PORT),
        "DVIKA_NOTIFY_SMTP_LOCAL_HOSTNAME": "bench",
        "DVIKA_NOTIFY_EVENTS_GROUP": group,
        "DVIKA_NOTIFY_DIGEST_ENABLED": "false",
        "DVIKA_NOTIFY_ROSTER_WAIT_S": "5",
    }
    records = workload(tickets)
    projection_s = await read_model_quiet(stack, 900)
    with RunningSink(SINK_PORT) as sink, on_demand_service(stack, "notify", NOTIFY_PORT, extra):
        catch_up_s = await _wait_caught_up(900)
        started = time.perf_counter()
        await send_paced(stack.kafka, TICKET_COMMANDS.name, records, send_s)
        deadline = time.monotonic() + timeout_s
        # The sink counts in aiosmtpd's thread: poll it, with a deadline.
        while sink.count(CUSTOMER_DOMAIN) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # a moment more, for duplicates to show
        received = sink.count(CUSTOMER_DOMAIN)
        elapsed = max(sink.last_at - started, 1e-6)
        duplicates = sum(n - 1 for n in sink.message_ids.values() if n > 1)
    rate = received / elapsed
    ceiling = await smtp_ceiling(min(expected, 2000))
    met = rate >= TARGET_PER_S and received == expected and duplicates == 0
    return [
        Result(
            scenario="notify",
            metric=f"mails/s delivered to a local SMTP server, {expected} mails",
            value=round(rate, 1),
            unit="mails/s",
            target=f">= {TARGET_PER_S}",
            met=met,
            ceiling=round(ceiling, 1),
            ratio=round(rate / ceiling, 3) if ceiling else None,
            detail=f"{received} of {expected} received, {duplicates} duplicates, in "
            f"{elapsed:.1f} s from the first command; {tickets} submissions then an agent "
            f"reply each, sent over {send_s:g} s; before it, the read model was quiet after "
            f"{projection_s:.0f} s and notify caught up in {catch_up_s:.1f} s; ceiling: bare "
            "aiosmtplib, a connection per mail, one at a time (target provisional)",
        )
    ]
