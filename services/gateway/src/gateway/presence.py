"""Presence: which agents have a ticket open, and who is typing on it, across replicas.

A staff WebSocket client sends `{"type": "presence", "ticket": "<id>", "activity":
"viewing" | "typing" | "left"}`; the gateway signs it with the agent's account (never
trusting a name from the client) and publishes a `PresenceSignal` on the presence topic.
Every replica tails that topic and passes each signal to its staff clients as
`{"type": "ticket.presence", "ticket_id", "agent_id", "agent_name", "activity", "at"}`.
Customers never receive them. Consoles repeat "viewing" while a ticket stays open and treat
an agent unheard of for 30 s as gone, so a closed laptop needs no "left".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord
from pydantic import ValidationError

from contracts.presence import PresenceSignal
from contracts.topics import PRESENCE
from gateway.access import Principal
from gateway.live import LiveHub
from kit.metrics import MESSAGES_PRODUCED


class PresenceRefused(ValueError):
    """A client message that is not a presence signal this client may send."""


def signal_from(principal: Principal, text: str) -> PresenceSignal:
    """The signal a staff client's message asks to send; raises PresenceRefused."""
    try:
        message: Any = json.loads(text)
    except ValueError:
        raise PresenceRefused("not JSON") from None
    if not isinstance(message, dict) or message.get("type") != "presence":
        raise PresenceRefused('expected {"type": "presence", "ticket", "activity"}')
    if not principal.is_staff or principal.id is None:
        raise PresenceRefused("presence is for staff")
    try:
        return PresenceSignal(
            ticket_id=message.get("ticket"),
            agent_id=principal.id,
            agent_name=principal.name or principal.email or principal.id,
            activity=message.get("activity"),
            at=datetime.now(UTC),
        )
    except ValidationError as error:
        raise PresenceRefused(str(error.errors()[0]["msg"])) from None


class PresencePublisher:
    def __init__(self, bootstrap_servers: str) -> None:
        # Signals are worth nothing late or twice-checked: no idempotence, one ack.
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks=1)

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, signal: PresenceSignal) -> None:
        await self._producer.send(
            PRESENCE.name, signal.model_dump_json().encode(), key=str(signal.ticket_id).encode()
        )
        MESSAGES_PRODUCED.labels("gateway", PRESENCE.name).inc()


class PresenceFeed:
    """Hands each signal from the presence topic to this replica's staff clients."""

    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub

    async def on_signal(self, record: ConsumerRecord[bytes, bytes]) -> None:
        signal = PresenceSignal.model_validate_json(record.value or b"")
        message = {"type": "ticket.presence", **signal.model_dump(mode="json")}
        await self._hub.deliver(str(signal.ticket_id), message, None)
