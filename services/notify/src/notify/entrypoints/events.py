"""The ticket event log in, notification records out.

For each batch: read each of its tickets' facts once, fold every event into them in memory
(skipping versions already folded), decide its notifications, drop those an opt-out forbids,
write the new records (unique idempotency keys), then save each changed ticket's facts once.
The consumer commits the offsets only after this returns, so a crash anywhere re-reads the
batch: the facts are saved last, so the events are decided again, and the records already
written collide on their keys.

Console feed items are stored the same way, and each one whose insert was new is published on
the notifications topic with its account's unread count (a duplicate never is, so a replay
pushes nothing). The push is best effort: the feed (GET) holds the item whatever happens to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog

from contracts.base import Event
from contracts.envelopes import EventEnvelope
from contracts.events import TicketSubmitted
from contracts.notifications import ConsoleNotification
from contracts.registry import UndecodableMessage, decode_event, parse_event_envelope
from kit.group_consumer import Record
from notify.adapters.console_feed_store import ConsoleFeedStore
from notify.adapters.notification_store import NotificationStore
from notify.adapters.optout_store import OptOutStore, normalise
from notify.adapters.ticket_store import TicketFactsStore
from notify.composer import NotificationComposer
from notify.domain.console_feed import FeedItem, console_notification, feed_items
from notify.domain.links import Links
from notify.domain.notifications import Alerts, Intent, allowed, decide, mailable
from notify.domain.roster import Roster
from notify.domain.ticket_facts import TicketFacts, facts_from_submission, fold
from notify.metrics import CONSOLE_PUSHES, NOTIFICATIONS_RECORDED, NOTIFICATIONS_SUPPRESSED

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class EventRules:
    links: Links
    alerts: Alerts
    # Events older than this update the facts but notify nobody: a first start over a long
    # log must not mail every customer of the past.
    max_event_age: timedelta
    # Customers whose address is in one of these domains get no email.
    unmailable_domains: frozenset[str] = frozenset()


class EventNotifier:
    def __init__(
        self,
        *,
        tickets: TicketFactsStore,
        notifications: NotificationStore,
        optouts: OptOutStore,
        composer: NotificationComposer,
        roster: Roster,
        rules: EventRules,
        clock: Callable[[], datetime],
        on_recorded: Callable[[], None] = lambda: None,
        feed: ConsoleFeedStore | None = None,
        publish: Callable[[ConsoleNotification], Awaitable[None]] | None = None,
    ) -> None:
        self._feed = feed
        self._publish = publish
        self._tickets = tickets
        self._notifications = notifications
        self._optouts = optouts
        self._composer = composer
        self._roster = roster
        self._rules = rules
        self._clock = clock
        self._on_recorded = on_recorded

    async def on_events(self, records: list[Record]) -> None:
        decoded: list[tuple[EventEnvelope, Event]] = []
        for record in records:
            try:
                envelope = parse_event_envelope(record.value or b"")
                decoded.append((envelope, decode_event(envelope)))
            except UndecodableMessage as error:
                # The gateway's projection keeps undecodable events as dead letters.
                log.warning("event skipped", offset=record.offset, reason=str(error))
        if not decoded:
            return
        known = await self._tickets.load({envelope.ticket_id for envelope, _ in decoded})
        folded_from = {ticket_id: facts.version for ticket_id, facts in known.items()}
        now = self._clock()
        intents: list[Intent] = []
        items: list[FeedItem] = []
        changed: set[UUID] = set()
        for envelope, event in decoded:
            before = known.get(envelope.ticket_id)
            after = self._fold(before, envelope, event)
            if after is None:
                continue
            known[envelope.ticket_id] = after
            changed.add(envelope.ticket_id)
            if now - envelope.occurred_at > self._rules.max_event_age:
                NOTIFICATIONS_SUPPRESSED.labels("stale_event").inc()
                continue
            intents += decide(
                event_id=envelope.event_id,
                event=event,
                actor_id=envelope.actor.id,
                before=before,
                after=after,
                roster=self._roster,
                links=self._rules.links,
                alerts=self._rules.alerts,
            )
            items += feed_items(
                event_id=envelope.event_id,
                event=event,
                actor_id=envelope.actor.id,
                occurred_at=envelope.occurred_at,
                before=before,
                after=after,
            )
        await self._record(intents, now)
        await self._record_feed(items)
        await self._tickets.save_all([known[ticket_id] for ticket_id in changed], folded_from)

    async def _record_feed(self, items: list[FeedItem]) -> None:
        if self._feed is None:
            return
        for item in items:
            if not await self._feed.insert_if_new(item):
                continue  # decided before (a re-read batch or a replay): pushed then, or never
            if self._publish is None:
                continue
            notification = console_notification(item, await self._feed.unread(item.account_id))
            try:
                await self._publish(notification)
            except Exception as error:
                # Raising would not help: the re-read item is a duplicate and is not pushed
                # again. The console still finds it in the feed on its next read.
                CONSOLE_PUSHES.labels("failed").inc()
                log.warning(
                    "console notification not pushed",
                    key=item.key,
                    account_id=item.account_id,
                    error=repr(error),
                )
            else:
                CONSOLE_PUSHES.labels("sent").inc()

    def _compose(self, intent: Intent, now: datetime) -> dict[str, Any]:
        try:
            return self._composer.compose(intent, now)
        except Exception as error:
            # A template bug must not stall the log: the record is kept, dead, for an admin
            # to see (and retry once the template is fixed and the service restarted).
            log.exception("notification could not be composed", kind=intent.kind)
            return {
                **self._composer.skeleton(intent, now),
                "status": "dead",
                "last_error": f"could not be composed: {type(error).__name__}: {error}"[:1000],
            }

    def _fold(
        self, before: TicketFacts | None, envelope: EventEnvelope, event: Event
    ) -> TicketFacts | None:
        """The facts after the event; None if it was folded already or cannot be."""
        if before is not None:
            if envelope.version <= before.version:
                return None
            if envelope.version != before.version + 1:
                log.warning(
                    "version gap in the event log",
                    ticket_id=str(envelope.ticket_id),
                    folded=before.version,
                    version=envelope.version,
                )
            return fold(before, envelope.version, envelope.occurred_at, event)
        if isinstance(event, TicketSubmitted):
            return facts_from_submission(
                envelope.ticket_id, envelope.version, envelope.occurred_at, event
            )
        log.warning(
            "event of a ticket whose submission was not seen",
            ticket_id=str(envelope.ticket_id),
            type=envelope.type,
        )
        return None

    async def _record(self, intents: list[Intent], now: datetime) -> None:
        if not intents:
            return
        customers = {i.recipient for i in intents if i.audience == "customer"}
        opted_out = await self._optouts.opted_out(customers)
        kept = []
        for intent in intents:
            if intent.channel == "email" and not mailable(
                intent.recipient, self._rules.unmailable_domains
            ):
                NOTIFICATIONS_SUPPRESSED.labels("unmailable").inc()
            elif allowed(intent, normalise(intent.recipient) in opted_out):
                kept.append(intent)
            else:
                NOTIFICATIONS_SUPPRESSED.labels("opted_out").inc()
        documents = [self._compose(intent, now) for intent in kept]
        inserted = await self._notifications.insert_new(documents)
        for document in inserted:
            NOTIFICATIONS_RECORDED.labels(document["channel"], document["kind"]).inc()
        if inserted:
            log.info("notifications recorded", new=len(inserted), decided=len(kept))
            self._on_recorded()
