"""Notify's event handler over in-memory stores: a batch read twice records nothing twice,
old events notify nobody, opt-outs and mailbox-less addresses are respected, and a template
failure is kept as a dead record instead of stalling the log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import ConsumerRecord
from pymongo.errors import BulkWriteError

from contracts.envelopes import EventEnvelope
from contracts.values import Actor
from notify.adapters.notification_store import NotificationStore
from notify.adapters.optout_store import OptOutStore
from notify.adapters.ticket_store import TicketFactsStore
from notify.composer import NotificationComposer
from notify.domain.links import Links
from notify.domain.notifications import Alerts, Intent, mailable
from notify.domain.roster import Roster
from notify.domain.ticket_facts import TicketFacts
from notify.entrypoints.events import EventNotifier, EventRules
from notify.rendering import EmailRenderer

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class MemoryTickets(TicketFactsStore):
    def __init__(self) -> None:
        self.documents: dict[UUID, TicketFacts] = {}

    async def load(self, ticket_ids: Iterable[UUID]) -> dict[UUID, TicketFacts]:
        return {i: self.documents[i] for i in ticket_ids if i in self.documents}

    async def save_all(
        self, changed: Iterable[TicketFacts], folded_from: Mapping[UUID, int]
    ) -> None:
        for facts in changed:
            stored = self.documents.get(facts.ticket_id)
            if (stored.version if stored else None) == folded_from.get(facts.ticket_id):
                self.documents[facts.ticket_id] = facts


class MemoryNotifications(NotificationStore):
    def __init__(self) -> None:
        self.documents: dict[str, Mapping[str, Any]] = {}

    async def insert_new(self, documents: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        new = [d for d in documents if d["key"] not in self.documents]
        self.documents.update({d["key"]: d for d in new})
        return new


class MemoryOptOuts(OptOutStore):
    def __init__(self, emails: Iterable[str] = ()) -> None:
        self.emails = {e.lower() for e in emails}

    async def opted_out(self, emails: Iterable[str]) -> set[str]:
        return {e.lower() for e in emails} & self.emails


class BrokenComposer(NotificationComposer):
    def compose(self, intent: Intent, now: datetime) -> dict[str, Any]:
        raise RuntimeError("template exploded")


def composer() -> NotificationComposer:
    return NotificationComposer(
        EmailRenderer(),
        message_id_domain="dvika.care",
        customer_from="Dvika Care <support@dvika.care>",
        reply_to="support@dvika.care",
        staff_from="Dvika Care <no-reply@dvika.care>",
    )


def handler(
    *,
    tickets: MemoryTickets | None = None,
    notifications: MemoryNotifications | None = None,
    optouts: Iterable[str] = (),
    made_by: NotificationComposer | None = None,
) -> tuple[EventNotifier, MemoryTickets, MemoryNotifications]:
    tickets = tickets or MemoryTickets()
    notifications = notifications if notifications is not None else MemoryNotifications()
    notifier = EventNotifier(
        tickets=tickets,
        notifications=notifications,
        optouts=MemoryOptOuts(optouts),
        composer=made_by or composer(),
        roster=Roster(),
        rules=EventRules(
            links=Links(b"secret", "http://portal", "http://console"),
            alerts=Alerts(enabled=True),
            max_event_age=timedelta(days=1),
            unmailable_domains=frozenset({"slack.dvika.care"}),
        ),
        clock=lambda: NOW,
    )
    return notifier, tickets, notifications


def record(ticket_id: UUID, version: int, type_: str, payload: dict[str, Any], *,
           at: datetime = NOW, offset: int = 0) -> ConsumerRecord[bytes, bytes]:  # fmt: skip
    envelope = EventEnvelope(
        event_id=uuid4(), type=type_, schema_version=2 if type_ == "ticket.submitted" else 1,
        ticket_id=ticket_id, version=version, occurred_at=at,
        actor=Actor(kind="agent", id="asha"), command_id=uuid4(), correlation_id=uuid4(),
        causation_id=uuid4(), payload=payload,
    )  # fmt: skip
    value = envelope.model_dump_json().encode()
    return ConsumerRecord(
        "dvika.tickets.events.v1", 0, offset, 0, 0, None, value, None, 0, len(value), []
    )


def submission(
    ticket_id: UUID, email: str = "ada@example.com", **kw: Any
) -> ConsumerRecord[bytes, bytes]:
    return record(ticket_id, 1, "ticket.submitted", {
        "reference": "DVK-1004", "customer": {"name": "Ada", "email": email},
        "category": "billing", "priority": "P1", "subject": "Charged twice",
        "message_id": str(uuid4()), "message": "Help", "channel": "web",
    }, **kw)  # fmt: skip


def agent_reply(
    ticket_id: UUID, version: int, text: str, internal: bool = False
) -> ConsumerRecord[bytes, bytes]:
    return record(ticket_id, version, "ticket.message_posted", {
        "message_id": str(uuid4()), "author": "agent", "message": text, "channel": "web",
        "internal": internal,
    })  # fmt: skip


async def test_a_batch_read_twice_records_each_notification_once() -> None:
    ticket = uuid4()
    batch = [submission(ticket), agent_reply(ticket, 2, "Note", internal=True),
             agent_reply(ticket, 3, "Answer")]  # fmt: skip
    notifier, tickets, notifications = handler()
    await notifier.on_events(batch)
    first = dict(notifications.documents)
    assert sorted(d["kind"] for d in first.values()) == [
        "agent_reply",
        "p1_ticket",
        "ticket_received",
    ]
    assert tickets.documents[ticket].version == 3

    # Re-read after a crash before the commit: facts already folded, nothing new.
    await notifier.on_events(batch)
    assert notifications.documents == first

    # Re-read after a crash before the facts were saved: decided again, the keys collide.
    again, _, _ = handler(notifications=notifications)
    await again.on_events(batch)
    assert notifications.documents == first


async def test_old_events_update_the_facts_but_notify_nobody() -> None:
    ticket = uuid4()
    notifier, tickets, notifications = handler()
    await notifier.on_events([submission(ticket, at=NOW - timedelta(days=2))])
    assert notifications.documents == {}
    assert tickets.documents[ticket].reference == "DVK-1004"


async def test_opted_out_and_mailbox_less_customers_get_no_confirmation() -> None:
    opted, slack_user = uuid4(), uuid4()
    notifier, _, notifications = handler(optouts=["ADA@example.com"])
    await notifier.on_events(
        [submission(opted), submission(slack_user, email="U0ADA42@slack.dvika.care")]
    )
    kinds = sorted((d["channel"], d["kind"]) for d in notifications.documents.values())
    # The P1 alerts stay: opting out is the customer's, the alerts channel is the team's.
    assert kinds == [("slack", "p1_ticket"), ("slack", "p1_ticket")]
    assert mailable("ada@example.com", frozenset({"slack.dvika.care"}))
    assert not mailable("u1@Slack.Dvika.Care", frozenset({"slack.dvika.care"}))
    assert not mailable("nobody", frozenset())


async def test_an_event_of_an_unknown_ticket_and_garbage_are_skipped() -> None:
    notifier, tickets, notifications = handler()
    garbage = ConsumerRecord("t", 0, 1, 0, 0, None, b"{not json", None, 0, 9, [])
    await notifier.on_events([agent_reply(uuid4(), 5, "Hello?"), garbage])
    assert (tickets.documents, notifications.documents) == ({}, {})


async def test_a_notification_that_cannot_be_composed_is_kept_dead() -> None:
    broken = BrokenComposer(
        EmailRenderer(),
        message_id_domain="d",
        customer_from="a@d",
        reply_to="a@d",
        staff_from="b@d",
    )
    notifier, tickets, notifications = handler(made_by=broken)
    ticket = uuid4()
    await notifier.on_events([submission(ticket)])
    statuses = {d["status"] for d in notifications.documents.values()}
    assert statuses == {"dead"}
    assert all("template exploded" in d["last_error"] for d in notifications.documents.values())
    assert tickets.documents[ticket].version == 1


class FailingCollection:
    """Stands in for a collection whose bulk insert reports `codes` as write errors."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = codes

    async def insert_many(self, documents: list[dict[str, Any]], ordered: bool) -> None:
        assert not ordered  # a duplicate must not stop the rest of the chunk
        errors = [{"index": n, "code": code} for n, code in enumerate(self.codes)]
        raise BulkWriteError({"writeErrors": errors})


async def test_a_bulk_insert_skips_duplicates_and_raises_any_other_write_error() -> None:
    store = NotificationStore.__new__(NotificationStore)
    documents = [{"key": f"k{n}"} for n in range(3)]
    store._collection = FailingCollection([11000])  # type: ignore[assignment]
    assert await store.insert_new(documents) == documents[1:]

    store._collection = FailingCollection([11000, 121])  # type: ignore[assignment]
    with pytest.raises(BulkWriteError):
        await store.insert_new(documents)
