"""Publishes console notifications on the notifications topic, keyed by account id, for every
gateway replica to pass to that agent's open consoles.

Idempotent (`acks=all`): a retried send after a lost acknowledgement is not written twice.
A send that does not succeed in time raises; the caller decides what that costs.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from contracts.notifications import ConsoleNotification
from contracts.topics import NOTIFICATIONS
from kit.metrics import MESSAGES_PRODUCED
from kit.tracing import kafka_headers_from_context

# A push is worth little late: past this the item stays in the feed (GET) only.
SEND_TIMEOUT_S = 10.0


class NotificationPublisher:
    def __init__(self, bootstrap_servers: str, service: str) -> None:
        self._service = service
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            enable_idempotence=True,
            acks="all",
            linger_ms=1,
            client_id=f"{service}-notifications",
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, notification: ConsoleNotification) -> None:
        await asyncio.wait_for(
            self._producer.send_and_wait(
                NOTIFICATIONS.name,
                notification.model_dump_json().encode(),
                key=notification.account_id.encode(),
                # The event's trace goes on to the gateway's push to the agent's console.
                headers=kafka_headers_from_context(),
            ),
            SEND_TIMEOUT_S,
        )
        MESSAGES_PRODUCED.labels(self._service, NOTIFICATIONS.name).inc()
