"""Live updates: turn committed ticket events into WebSocket messages for connected clients.

Messages are JSON objects with a `type` (`ticket.new`, `ticket.reply`) and the `ticket`;
replies also carry the `message` that was posted.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import structlog
from aiokafka import ConsumerRecord
from fastapi import WebSocket

from contracts.events import MessagePosted, TicketSubmitted
from contracts.registry import decode_event, parse_event_envelope
from gateway.adapters.ticket_store import TicketStore
from gateway.domain.ticket_view import apply_event, public_view
from kit.metrics import WEBSOCKET_CONNECTIONS

log = structlog.get_logger(__name__)

# How long a reply's broadcast waits for the read model, so it can carry the whole ticket.
VIEW_WAIT_S = 1.0
SEND_TIMEOUT_S = 5.0


class LiveHub:
    def __init__(self) -> None:
        self._clients: set[WebSocket] = set()

    def join(self, client: WebSocket) -> None:
        self._clients.add(client)
        WEBSOCKET_CONNECTIONS.labels("gateway").set(len(self._clients))

    def leave(self, client: WebSocket) -> None:
        self._clients.discard(client)
        WEBSOCKET_CONNECTIONS.labels("gateway").set(len(self._clients))

    async def broadcast(self, message: dict[str, Any]) -> None:
        text = json.dumps(message, default=str)
        clients = list(self._clients)
        results = await asyncio.gather(
            *(asyncio.wait_for(c.send_text(text), SEND_TIMEOUT_S) for c in clients),
            return_exceptions=True,
        )
        for client, result in zip(clients, results, strict=True):
            if isinstance(result, BaseException):
                self.leave(client)  # gone or too slow; it reconnects and re-reads over HTTP


class LiveFeed:
    """Handles each committed ticket event for the hub (fed by a `TopicTail`)."""

    def __init__(self, hub: LiveHub, store: TicketStore) -> None:
        self._hub = hub
        self._store = store

    async def on_event(self, record: ConsumerRecord[bytes, bytes]) -> None:
        envelope = parse_event_envelope(record.value or b"")
        event = decode_event(envelope)
        if isinstance(event, TicketSubmitted):
            ticket = apply_event(None, envelope)
            assert ticket is not None
            await self._hub.broadcast({"type": "ticket.new", "ticket": public_view(ticket)})
            return
        if isinstance(event, MessagePosted) and event.internal:
            return  # until the feed knows who listens, notes go to nobody rather than everybody
        view = await self._store.wait_for_version(envelope.ticket_id, envelope.version, VIEW_WAIT_S)
        ticket = public_view(view) if view else {"id": str(envelope.ticket_id)}
        if isinstance(event, MessagePosted):
            message = {
                "id": str(event.message_id),
                "from": event.author,
                "message": event.message,
                "internal": False,
                "channel": event.channel,
                "created_at": envelope.occurred_at.isoformat(),
            }
            reply = {"type": "ticket.reply", "ticket": ticket, "message": message}
            await self._hub.broadcast({**reply, "version": envelope.version})
        else:
            await self._hub.broadcast(
                {
                    "type": "ticket.updated",
                    "ticket": ticket,
                    "change": envelope.type,
                    "version": envelope.version,
                }
            )
