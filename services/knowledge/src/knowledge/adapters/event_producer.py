"""The idempotent producer of article events, keyed by article id (acks from all replicas)."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from contracts.knowledge import ArticleEvent
from contracts.topics import KNOWLEDGE


class ArticleEventProducer:
    def __init__(self, bootstrap_servers: str, client_id: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            request_timeout_ms=10_000,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, event: ArticleEvent) -> None:
        """Return once the broker has the event (raises a KafkaError if it never does)."""
        await self._producer.send_and_wait(
            KNOWLEDGE.name,
            key=str(event.article_id).encode(),
            value=event.model_dump_json().encode(),
        )
