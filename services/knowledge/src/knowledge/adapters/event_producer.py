"""The idempotent producer of article events, keyed by article id (acks from all replicas)."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from contracts.knowledge import ArticleEvent
from contracts.topics import KNOWLEDGE
from kit.metrics import MESSAGES_PRODUCED
from kit.tracing import kafka_headers_from_context


class ArticleEventProducer:
    def __init__(self, bootstrap_servers: str, client_id: str, service: str = "knowledge") -> None:
        self._service = service
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
            headers=kafka_headers_from_context(),
        )
        MESSAGES_PRODUCED.labels(self._service, KNOWLEDGE.name).inc()
