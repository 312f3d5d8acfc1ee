"""Notify pushes each NEW console feed item on the notifications topic, with the account's
unread count, and never a duplicate: a batch read again, or a replay, pushes nothing. A push
that fails leaves the item in the feed and the batch handled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from aiokafka import ConsumerRecord

from contracts.envelopes import EventEnvelope
from contracts.notifications import ConsoleNotification
from contracts.values import Actor
from notify.adapters.console_feed_store import ConsoleFeedStore
from notify.adapters.notification_store import NotificationStore
from notify.adapters.optout_store import OptOutStore
from notify.adapters.ticket_store import TicketFactsStore
from notify.composer import NotificationComposer
from notify.domain.console_feed import FeedItem, console_notification
from notify.domain.links import Links
from notify.domain.notifications import Alerts
from notify.domain.roster import Roster
from notify.domain.ticket_facts import TicketFacts
from notify.entrypoints.events import EventNotifier, EventRules
from notify.rendering import EmailRenderer

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
AGENT = "acc-asha"
MANAGER = "acc-meena"


class MemoryTickets(TicketFactsStore):
    def __init__(self) -> None:
        self.documents: dict[UUID, TicketFacts] = {}

    async def load(self, ticket_ids: Iterable[UUID]) -> dict[UUID, TicketFacts]:
        return {i: self.documents[i] for i in ticket_ids if i in self.documents}

    async def save_all(
        self, changed: Iterable[TicketFacts], folded_from: Mapping[UUID, int]
    ) -> None:
        self.documents.update((facts.ticket_id, facts) for facts in changed)


class MemoryNotifications(NotificationStore):
    def __init__(self) -> None:
        self.keys: set[str] = set()

    async def insert_new(self, documents: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        new = [d for d in documents if d["key"] not in self.keys]
        self.keys.update(d["key"] for d in new)
        return new


class NoOptOuts(OptOutStore):
    def __init__(self) -> None:
        pass

    async def opted_out(self, emails: Iterable[str]) -> set[str]:
        return set()


class MemoryFeed(ConsoleFeedStore):
    def __init__(self) -> None:
        self.items: dict[str, FeedItem] = {}
        self.read: set[str] = set()

    async def insert_if_new(self, item: FeedItem) -> bool:
        if item.key in self.items:
            return False
        self.items[item.key] = item
        return True

    async def unread(self, account_id: str) -> int:
        return sum(
            1 for k, i in self.items.items() if i.account_id == account_id and k not in self.read
        )

    async def mark_read(
        self, account_id: str, ids: Sequence[str] | None, keys: Sequence[str] | None = None
    ) -> None:
        self.read.update(k for k, i in self.items.items() if i.account_id == account_id)


class Published:
    def __init__(self, fail: bool = False) -> None:
        self.notifications: list[ConsoleNotification] = []
        self.fail = fail

    async def __call__(self, notification: ConsoleNotification) -> None:
        if self.fail:
            raise TimeoutError("Kafka did not acknowledge")
        self.notifications.append(notification)


def notifier(feed: MemoryFeed, published: Published) -> EventNotifier:
    return EventNotifier(
        tickets=MemoryTickets(),
        notifications=MemoryNotifications(),
        optouts=NoOptOuts(),
        composer=NotificationComposer(
            EmailRenderer(),
            message_id_domain="dvika.care",
            customer_from="Dvika Care <support@dvika.care>",
            reply_to="support@dvika.care",
            staff_from="Dvika Care <no-reply@dvika.care>",
        ),
        roster=Roster(),
        rules=EventRules(
            links=Links(b"secret", "http://portal", "http://console"),
            alerts=Alerts(enabled=False),
            max_event_age=timedelta(days=1),
        ),
        clock=lambda: NOW,
        feed=feed,
        publish=published,
    )


def record(
    ticket_id: UUID,
    version: int,
    type_: str,
    payload: dict[str, Any],
    *,
    actor: str | None = MANAGER,
    at: datetime = NOW,
) -> ConsumerRecord[bytes, bytes]:
    envelope = EventEnvelope(
        event_id=uuid4(), type=type_, schema_version=2 if type_ == "ticket.submitted" else 1,
        ticket_id=ticket_id, version=version, occurred_at=at,
        actor=Actor(kind="agent" if actor else "customer", id=actor), command_id=uuid4(),
        correlation_id=uuid4(), causation_id=uuid4(), payload=payload,
    )  # fmt: skip
    value = envelope.model_dump_json().encode()
    return ConsumerRecord(
        "dvika.tickets.events.v1", 0, version, 0, 0, None, value, None, 0, len(value), []
    )


def ticket_story(ticket_id: UUID, *, at: datetime = NOW) -> list[ConsumerRecord[bytes, bytes]]:
    """Submitted, assigned to the agent by a manager, then the customer writes again."""
    return [
        record(ticket_id, 1, "ticket.submitted", {
            "reference": "DVK-1004", "customer": {"name": "Ada", "email": "ada@example.com"},
            "category": "billing", "priority": "P2", "subject": "Charged twice",
            "message_id": str(uuid4()), "message": "Help", "channel": "web",
        }, actor=None, at=at),
        record(ticket_id, 2, "ticket.assigned", {"assignee": AGENT, "queue": "billing"}, at=at),
        record(ticket_id, 3, "ticket.message_posted", {
            "message_id": str(uuid4()), "author": "customer", "message": "Still broken",
            "channel": "web", "internal": False,
        }, actor=None, at=at),
    ]  # fmt: skip


async def test_each_new_item_is_published_once_with_the_unread_count() -> None:
    feed, published = MemoryFeed(), Published()
    handle = notifier(feed, published)
    ticket = uuid4()
    batch = ticket_story(ticket)

    await handle.on_events(batch)

    assigned, replied = published.notifications
    assert (assigned.kind, assigned.account_id, assigned.unread) == ("assigned", AGENT, 1)
    assert (replied.kind, replied.account_id, replied.unread) == ("customer_replied", AGENT, 2)
    assert assigned.ticket_id == ticket
    assert assigned.reference == "DVK-1004"
    assert assigned.subject == "Charged twice"
    assert replied.text == "Ada replied on DVK-1004"
    assert {n.key for n in published.notifications} == set(feed.items)

    # The same batch again (a crash before the commit): stored items are duplicates.
    await handle.on_events(batch)
    # And a replay into a fresh notifier over the same feed (facts forgotten): still nothing.
    await notifier(feed, published).on_events(batch)
    assert len(published.notifications) == 2
    assert len(feed.items) == 2


async def test_the_unread_count_reflects_items_read_before() -> None:
    feed, published = MemoryFeed(), Published()
    handle = notifier(feed, published)
    await handle.on_events(ticket_story(uuid4()))
    await feed.mark_read(AGENT, None)

    await handle.on_events(ticket_story(uuid4()))

    assert [n.unread for n in published.notifications] == [1, 2, 1, 2]


async def test_nothing_is_published_for_old_events_or_ones_own_actions() -> None:
    feed, published = MemoryFeed(), Published()
    await notifier(feed, published).on_events(ticket_story(uuid4(), at=NOW - timedelta(days=2)))
    ticket = uuid4()
    story = ticket_story(ticket)
    # The agent took the ticket themselves: no "assigned to you".
    story[1] = record(ticket, 2, "ticket.assigned", {"assignee": AGENT, "queue": None}, actor=AGENT)
    await notifier(feed, published).on_events(story[:2])
    assert published.notifications == []
    assert feed.items == {}


async def test_a_failed_push_keeps_the_item_and_the_batch_handled() -> None:
    feed, failing = MemoryFeed(), Published(fail=True)
    ticket = uuid4()

    await notifier(feed, failing).on_events(ticket_story(ticket))  # does not raise

    assert sorted(i.kind for i in feed.items.values()) == ["assigned", "customer_replied"]
    # Re-read later: the items are duplicates now, so nothing is pushed twice, or at all.
    later = Published()
    await notifier(feed, later).on_events(ticket_story(ticket)[1:])
    assert later.notifications == []


def test_the_wire_item_keeps_to_the_contract_limits() -> None:
    item = FeedItem(
        key="e1:console:acc-asha", account_id=AGENT, kind="sla_at_risk", ticket_id=uuid4(),
        reference="DVK-1004", subject="S" * 300, text="T" * 900, created_at=NOW,
    )  # fmt: skip
    notification = console_notification(item, unread=-1)
    assert len(notification.subject) == 200
    assert notification.subject.endswith("…")
    assert len(notification.text) == 500
    assert notification.unread == 0
    round_trip = ConsoleNotification.model_validate_json(notification.model_dump_json())
    assert round_trip == notification


async def test_sla_at_risk_uses_the_contract_kind() -> None:
    feed, published = MemoryFeed(), Published()
    ticket = uuid4()
    story = ticket_story(ticket)[:2]
    due = {"target": "first_response", "due_at": (NOW + timedelta(minutes=30)).isoformat()}
    story.append(record(ticket, 3, "ticket.sla_warning_issued", due, actor=None))
    await notifier(feed, published).on_events(story)
    assert [n.kind for n in published.notifications] == ["assigned", "sla_at_risk"]
    assert published.notifications[1].text == "DVK-1004 at risk: first response due 09:30 UTC"
