"""Live updates: turn committed ticket events into WebSocket messages for connected clients.

Messages are JSON objects with a `type` (`ticket.new`, `ticket.reply`, `ticket.updated`, and
`ticket.note` for staff only), the `ticket` and, for messages, the `message`. Staff receive
every ticket with its internal notes; a customer receives only their ticket's public side.
"""

from __future__ import annotations

import asyncio
import contextlib
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
# Messages a client may fall behind before it is closed (a console needs about one a ticket
# change; a thousand is minutes of a busy team's work).
OUTBOX_LIMIT = 1000
TRY_AGAIN_LATER = 1013


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


class _Connection:
    """One open socket: who listens, and the messages waiting for its writer task."""

    def __init__(self, socket: WebSocket, listener: Listener) -> None:
        self.socket = socket
        self.listener = listener
        self.outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_LIMIT)
        self.writer: asyncio.Task[None] | None = None


class LiveHub:
    """Every open socket with a writer task of its own, fed through a bounded outbox.

    Delivering only queues the text (encoded once per audience), so one slow client never
    holds up the others or the tail that feeds the hub. A client that falls `OUTBOX_LIMIT`
    messages behind, or whose send fails or takes longer than `SEND_TIMEOUT_S`, is closed
    with 1013 (try again later): it reconnects and re-reads over HTTP.
    """

    def __init__(self) -> None:
        self._clients: dict[WebSocket, _Connection] = {}

    def join(self, client: WebSocket, listener: Listener) -> None:
        connection = _Connection(client, listener)
        connection.writer = asyncio.create_task(self._write(connection))
        self._clients[client] = connection
        WEBSOCKET_CONNECTIONS.labels("gateway").set(len(self._clients))

    def leave(self, client: WebSocket) -> None:
        connection = self._clients.pop(client, None)
        WEBSOCKET_CONNECTIONS.labels("gateway").set(len(self._clients))
        if connection and connection.writer and connection.writer is not asyncio.current_task():
            connection.writer.cancel()

    async def deliver(
        self, ticket_id: str, for_staff: dict[str, Any], for_customer: dict[str, Any] | None
    ) -> None:
        """Send each listener of `ticket_id` its version of the message (None: staff only)."""
        staff_text = json.dumps(for_staff, default=str)
        customer_text = None if for_customer is None else json.dumps(for_customer, default=str)
        for connection in list(self._clients.values()):
            listener = connection.listener
            if not listener.wants(ticket_id):
                continue
            text = staff_text if listener.staff else customer_text
            if text is not None:
                self._post(connection, text)
        # Let the writers run: a tail applying a long batch never awaits otherwise.
        await asyncio.sleep(0)

    async def deliver_to_account(self, account_id: str, message: dict[str, Any]) -> int:
        """Send `message` to every staff connection of `account_id`; how many there were."""
        text = json.dumps(message, default=str)
        mine = [
            c
            for c in list(self._clients.values())
            if c.listener.staff and c.listener.account_id == account_id
        ]
        for connection in mine:
            self._post(connection, text)
        return len(mine)

    async def flush(self) -> None:
        """Until every message queued so far has been sent (or its client dropped)."""
        for connection in list(self._clients.values()):
            if connection.writer is not None and not connection.writer.done():
                await connection.outbox.join()

    def _post(self, connection: _Connection, text: str) -> None:
        try:
            connection.outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("live client too far behind; closing it", behind=OUTBOX_LIMIT)
            self._drop(connection)

    def _drop(self, connection: _Connection) -> None:
        self.leave(connection.socket)
        _drain(connection.outbox)
        closing = asyncio.create_task(_close(connection.socket))
        _CLOSING.add(closing)
        closing.add_done_callback(_CLOSING.discard)

    async def _write(self, connection: _Connection) -> None:
        outbox = connection.outbox
        while True:
            text = await outbox.get()
            try:
                # `asyncio.timeout`, not `wait_for`: no task per message.
                async with asyncio.timeout(SEND_TIMEOUT_S):
                    await connection.socket.send_text(text)
            except Exception:
                self._drop(connection)  # gone or too slow
                return
            finally:
                outbox.task_done()


# Closing tasks, referenced until done (the event loop keeps only weak references).
_CLOSING: set[asyncio.Task[None]] = set()


def _drain(outbox: asyncio.Queue[str]) -> None:
    while not outbox.empty():
        outbox.get_nowait()
        outbox.task_done()


async def _close(socket: WebSocket) -> None:
    with contextlib.suppress(Exception):
        await socket.close(code=TRY_AGAIN_LATER, reason="too far behind; reconnect")


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
