"""Request/reply over Kafka for the HTTP channels: send a command, wait for its outcome.

The same idea as the gateway's command bus (the intake imports no other service): every
intake instance follows the whole replies topic from its end, without a consumer group, and
keeps only the replies keyed by its own `reply_to` id. `start` returns once the tail's start
positions are fixed, so a reply to a command sent after it cannot be missed.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts.envelopes import CommandEnvelope, CommandReply
from contracts.topics import TICKET_COMMANDS, TICKET_REPLIES
from kit.metrics import MESSAGES_CONSUMED, MESSAGES_PRODUCED
from kit.tracing import kafka_headers_from_context

log = structlog.get_logger(__name__)


class CommandTimeout(Exception):
    """No reply came before the deadline; the command may still be handled later."""


class CommandBus:
    def __init__(self, bootstrap_servers: str, reply_to: str, service: str = "intake") -> None:
        self.reply_to = reply_to
        self._service = service
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            enable_idempotence=True,
            acks="all",
            linger_ms=1,
            client_id=f"{service}-commands",
        )
        self._replies = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id=f"{service}-replies",
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        # Several waiters per command id: the same Idempotency-Key sent twice at once is the
        # same command twice, and both callers want the answer.
        self._waiting: dict[UUID, list[asyncio.Future[CommandReply]]] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def start(self) -> None:
        await self._producer.start()
        await self._replies.start()
        partitions = self._replies.partitions_for_topic(TICKET_REPLIES.name) or set(
            range(TICKET_REPLIES.partitions)
        )
        tps = [TopicPartition(TICKET_REPLIES.name, p) for p in sorted(partitions)]
        self._replies.assign(tps)
        await self._replies.seek_to_end(*tps)
        for tp in tps:  # fixes the start positions now, not lazily at the first fetch
            await self._replies.position(tp)
        self._task = asyncio.create_task(self._follow(), name=f"tail:{TICKET_REPLIES.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._replies.stop()
        await self._producer.stop()

    async def send(self, envelope: CommandEnvelope, timeout_s: float) -> CommandReply:
        """Send `envelope` (its `reply_to` must be this bus's) and wait for the outcome."""
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

    async def _follow(self) -> None:
        mine = self.reply_to.encode()
        while True:
            fetched = await self._replies.getmany(timeout_ms=1000)
            for records in fetched.values():
                MESSAGES_CONSUMED.labels(self._service, TICKET_REPLIES.name).inc(len(records))
                for record in records:
                    if record.key != mine:
                        continue
                    try:
                        reply = CommandReply.model_validate_json(record.value or b"")
                    except ValueError:
                        log.warning("unreadable reply skipped", offset=record.offset)
                        continue
                    for future in self._waiting.get(reply.command_id, []):
                        if not future.done():
                            future.set_result(reply)
