"""Live updates: turn committed ticket events into WebSocket messages for connected clients.

Messages are JSON objects with a `type` (`ticket.new`, `ticket.reply`, `ticket.updated`, and
`ticket.note` for staff only), the `ticket` and, for messages, the `message`. Staff receive
every ticket with its internal notes; a customer receives only their ticket's public side.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import ConsumerRecord
from fastapi import WebSocket

from contracts.base import Event
from contracts.envelopes import EventEnvelope
from contracts.events import MessagePosted, TicketSubmitted
from contracts.registry import decode_event, parse_event_envelope
from gateway.adapters.ticket_store import TicketStore
from gateway.domain.ticket_view import apply_event, public_view, staff_view
from kit.metrics import WEBSOCKET_CONNECTIONS

log = structlog.get_logger(__name__)

# How long a reply's broadcast waits for the read model, so it can carry the whole ticket.
VIEW_WAIT_S = 1.0
SEND_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Listener:
    """Who is on the other end: staff see every ticket and its notes; a customer one ticket.

    A staff listener also carries its account id, for what is meant for that agent alone
    (their console notifications).
    """

    staff: bool
    ticket_id: str | None = None
    account_id: str | None = None

    def wants(self, ticket_id: str) -> bool:
        return self.staff or self.ticket_id == ticket_id


class LiveHub:
    def __init__(self) -> None:
        self._clients: dict[WebSocket, Listener] = {}

    def join(self, client: WebSocket, listener: Listener) -> None:
        self._clients[client] = listener
        WEBSOCKET_CONNECTIONS.labels("gateway").set(len(self._clients))

    def leave(self, client: WebSocket) -> None:
        self._clients.pop(client, None)
        WEBSOCKET_CONNECTIONS.labels("gateway").set(len(self._clients))

    async def deliver(
        self, ticket_id: str, for_staff: dict[str, Any], for_customer: dict[str, Any] | None
    ) -> None:
        """Send each listener of `ticket_id` its version of the message (None: staff only)."""
        staff_text = json.dumps(for_staff, default=str)
        customer_text = None if for_customer is None else json.dumps(for_customer, default=str)
        sends: list[tuple[WebSocket, str]] = []
        for client, listener in list(self._clients.items()):
            if not listener.wants(ticket_id):
                continue
            text = staff_text if listener.staff else customer_text
            if text is not None:
                sends.append((client, text))
        await self._send(sends)

    async def deliver_to_account(self, account_id: str, message: dict[str, Any]) -> int:
        """Send `message` to every staff connection of `account_id`; how many there were."""
        text = json.dumps(message, default=str)
        sends = [
            (client, text)
            for client, listener in list(self._clients.items())
            if listener.staff and listener.account_id == account_id
        ]
        await self._send(sends)
        return len(sends)

    async def _send(self, sends: list[tuple[WebSocket, str]]) -> None:
        results = await asyncio.gather(
            *(asyncio.wait_for(c.send_text(t), SEND_TIMEOUT_S) for c, t in sends),
            return_exceptions=True,
        )
        for (client, _), result in zip(sends, results, strict=True):
            if isinstance(result, BaseException):
                self.leave(client)  # gone or too slow; it reconnects and re-reads over HTTP


class LiveFeed:
    """Turns each committed ticket event into messages for the hub (fed by a `TopicTail`)."""

    def __init__(self, hub: LiveHub, store: TicketStore) -> None:
        self._hub = hub
        self._store = store

    async def on_event(self, record: ConsumerRecord[bytes, bytes]) -> None:
        envelope = parse_event_envelope(record.value or b"")
        event = decode_event(envelope)
        ticket_id = str(envelope.ticket_id)
        if isinstance(event, TicketSubmitted):
            view = apply_event(None, envelope)
        else:
            view = await self._store.wait_for_version(ticket_id, envelope.version, VIEW_WAIT_S)
        if view is None:
            view = {"id": ticket_id, "thread": []}
        staff, customer = _messages(envelope, event, view)
        await self._hub.deliver(ticket_id, staff, customer)


def _messages(
    envelope: EventEnvelope, event: Event, view: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The staff and the customer version of one event (None: not for the customer)."""
    staff: dict[str, Any] = {"version": envelope.version, "change": envelope.type}
    customer: dict[str, Any] | None
    if isinstance(event, TicketSubmitted):
        staff["type"] = "ticket.new"
    elif isinstance(event, MessagePosted):
        staff["type"] = "ticket.note" if event.internal else "ticket.reply"
        staff["message"] = {
            "id": str(event.message_id),
            "from": event.author,
            "message": event.message,
            "internal": event.internal,
            "author": envelope.actor.id,
            "channel": event.channel,
            "created_at": envelope.occurred_at.isoformat(),
        }
    else:
        staff["type"] = "ticket.updated"
    customer = None if staff["type"] == "ticket.note" else {**staff, "ticket": public_view(view)}
    staff["ticket"] = staff_view(view)
    return staff, customer
