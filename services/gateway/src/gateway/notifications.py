"""Console notifications, live: notify publishes each new feed item of an agent on the
notifications topic (`ConsoleNotification`, keyed by account id); every gateway replica
follows it from "now" and passes the item to that agent's open staff WebSockets as
`{"type": "notification", "item": {...}, "unread": n}`.

From "now", not from the beginning: a console that was closed reads what it missed with
`GET /api/v1/notifications`; a push is only the news of the moment.
"""

from __future__ import annotations

import structlog
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from contracts.notifications import ConsoleNotification
from contracts.topics import NOTIFICATIONS
from gateway.live import LiveHub
from kit.topic_tail import TopicTail

log = structlog.get_logger(__name__)


def notification_message(notification: ConsoleNotification) -> dict[str, object]:
    """What an agent's console receives for one item (its shape as the feed GET lists it)."""
    item = notification.model_dump(mode="json", exclude={"unread"})
    return {"type": "notification", "item": {**item, "read": False}, "unread": notification.unread}


class NotificationFeed:
    """Hands each notification on the topic to its account's connections on this replica."""

    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub

    async def on_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            notification = ConsoleNotification.model_validate_json(record.value or b"")
        except ValidationError as error:
            # Another version's record, or noise: skipped, never a reason to stop the tail.
            log.warning("notification skipped", offset=record.offset, reason=str(error)[:300])
            return
        await self._hub.deliver_to_account(
            notification.account_id, notification_message(notification)
        )


def notification_tail(bootstrap_servers: str, hub: LiveHub) -> TopicTail:
    """The tail to start and stop with the app (from "now")."""
    return TopicTail(bootstrap_servers, NOTIFICATIONS, NotificationFeed(hub).on_record, "gateway")
