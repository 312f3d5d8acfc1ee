"""The gateway passes a console notification to the open staff sockets of its account only,
and skips a record it cannot read instead of stopping the tail."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast
from uuid import uuid4

from aiokafka import ConsumerRecord
from fastapi import WebSocket

from contracts.notifications import ConsoleNotification
from gateway.live import Listener, LiveHub
from gateway.notifications import NotificationFeed


class Socket:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))


def record(value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("dvika.notifications.v1", 0, 7, 0, 0, None, value, None, 0, 0, [])


def joined(hub: LiveHub, listener: Listener) -> Socket:
    socket = Socket()
    hub.join(cast(WebSocket, socket), listener)
    return socket


async def test_a_notification_reaches_only_its_accounts_staff_sockets() -> None:
    hub = LiveHub()
    mine = [joined(hub, Listener(staff=True, account_id="asha")) for _ in range(2)]
    colleague = joined(hub, Listener(staff=True, account_id="meena"))
    customer = joined(hub, Listener(staff=False, ticket_id=str(uuid4())))
    ticket = uuid4()
    notification = ConsoleNotification(
        key="e1:console:asha", account_id="asha", kind="assigned", ticket_id=ticket,
        reference="DVK-1004", subject="Charged twice", text="DVK-1004 was assigned to you",
        created_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC), unread=3,
    )  # fmt: skip

    await NotificationFeed(hub).on_record(record(notification.model_dump_json().encode()))
    await hub.flush()

    for socket in mine:
        [message] = socket.sent
        assert message["type"] == "notification"
        assert message["unread"] == 3
        assert message["item"]["key"] == "e1:console:asha"
        assert message["item"]["ticket_id"] == str(ticket)
        assert message["item"]["read"] is False
        assert "unread" not in message["item"]
    assert colleague.sent == []
    assert customer.sent == []


async def test_an_unreadable_record_is_skipped() -> None:
    hub = LiveHub()
    socket = joined(hub, Listener(staff=True, account_id="asha"))
    await NotificationFeed(hub).on_record(record(b'{"account_id": "asha"}'))
    await NotificationFeed(hub).on_record(record(b"not json"))
    await hub.flush()
    assert socket.sent == []
    assert await hub.deliver_to_account("nobody", {"type": "notification"}) == 0
