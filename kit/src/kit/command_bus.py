"""Request/reply over Kafka: send a command keyed by ticket id, wait for its outcome.

Every instance that sends commands and waits (the gateway, intake's HTTP channels) follows
the whole replies topic from its end (a `TopicTail`) and keeps only the replies addressed to
its own `reply_to` id. Several callers may wait for the same command id (the same
Idempotency-Key sent twice at once is the same command twice): each gets the answer.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord

from contracts.envelopes import CommandEnvelope, CommandReply
from contracts.topics import TICKET_COMMANDS, TICKET_REPLIES
from kit.metrics import MESSAGES_PRODUCED
from kit.topic_tail import TopicTail
from kit.tracing import kafka_headers_from_context

log = structlog.get_logger(__name__)


class CommandTimeout(Exception):
    """No reply came before the deadline; the command may still be handled later."""


class CommandBus:
    def __init__(self, bootstrap_servers: str, reply_to: str, service: str) -> None:
        self.reply_to = reply_to
        self._service = service
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, enable_idempotence=True, acks="all", linger_ms=1
        )
        self._replies = TopicTail(bootstrap_servers, TICKET_REPLIES, self._on_reply, service)
        self._waiting: dict[UUID, list[asyncio.Future[CommandReply]]] = {}

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The replies' following task, once started."""
        return self._replies.task

    @property
    def running(self) -> bool:
        """Still following the replies (readiness checks ask this)."""
        return self.task is not None and not self.task.done()

    async def start(self) -> None:
        await self._producer.start()
        await self._replies.start()

    async def stop(self) -> None:
        await self._replies.stop()
        await self._producer.stop()

    async def send(self, envelope: CommandEnvelope, timeout_s: float) -> CommandReply:
        future: asyncio.Future[CommandReply] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(envelope.command_id, []).append(future)
        try:
            async with asyncio.timeout(timeout_s):
                await self._producer.send_and_wait(
                    TICKET_COMMANDS.name,
                    value=envelope.model_dump_json().encode(),
                    key=str(envelope.ticket_id).encode(),
                    headers=kafka_headers_from_context(),
                )
                MESSAGES_PRODUCED.labels(self._service, TICKET_COMMANDS.name).inc()
                return await future
        except TimeoutError:
            raise CommandTimeout(
                f"the tickets service did not answer within {timeout_s:g} s"
            ) from None
        finally:
            waiters = self._waiting.get(envelope.command_id, [])
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._waiting.pop(envelope.command_id, None)

    async def _on_reply(self, record: ConsumerRecord[bytes, bytes]) -> None:
        if record.key != self.reply_to.encode():
            return
        try:
            reply = CommandReply.model_validate_json(record.value or b"")
        except ValueError:
            log.warning("unreadable reply skipped", offset=record.offset)
            return
        for future in self._waiting.get(reply.command_id, []):
            if not future.done():
                future.set_result(reply)
