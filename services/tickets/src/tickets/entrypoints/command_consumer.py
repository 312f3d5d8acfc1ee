"""The exactly-once command loop: consume commands, decide, produce events, commit — atomically.

For each owned partition a batch of commands is handled inside one Kafka transaction of that
partition's writer: the events, the replies, any dead letters and the consumer offset all
commit together or not at all. A crash anywhere before the commit aborts the lot and the
commands are read again; consumers read `read_committed`, so nobody sees aborted events.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import ConsumerRecord
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

from contracts.topics import DEAD_LETTERS, TICKET_COMMANDS, TICKET_EVENTS, TICKET_REPLIES
from kit.kafka import dead_letter_record
from kit.metrics import (
    DEAD_LETTERS_TOTAL,
    HANDLER_ERRORS,
    HANDLER_SECONDS,
    MESSAGES_CONSUMED,
    MESSAGES_PRODUCED,
    ConsumerLagReporter,
)
from kit.tracing import context_from_kafka_headers, get_tracer
from tickets.adapters.event_log import rebuild_partitions
from tickets.adapters.partition_writer import PartitionWriter
from tickets.application.partition import Batch, Outcome, handle

SERVICE = "tickets"
log = structlog.get_logger(__name__)
_tracer = get_tracer(__name__)


class CommandConsumer:
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        group_id: str,
        transactional_prefix: str,
        clock: Callable[[], datetime],
        max_batch: int = 500,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._group_id = group_id
        self._prefix = transactional_prefix
        self._clock = clock
        self._max_batch = max_batch
        self._writers: dict[int, PartitionWriter] = {}
        # Held while a batch is in a transaction; rebalances wait for it (see _Rebalance).
        self._lock = asyncio.Lock()
        # Bumped on every rebalance so batches fetched under an older assignment are dropped.
        self._generation = 0
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_batch,
        )
        self.running = False
        self._lag = ConsumerLagReporter(SERVICE)

    @property
    def owned_partitions(self) -> list[int]:
        return sorted(self._writers)

    async def run(self) -> None:
        self._consumer.subscribe([TICKET_COMMANDS.name], listener=_Rebalance(self))
        await self._consumer.start()
        self.running = True
        try:
            while True:
                generation = self._generation
                fetched = await self._consumer.getmany(timeout_ms=500, max_records=self._max_batch)
                await self._lag.update(self._consumer)
                if not fetched:
                    continue
                async with self._lock:
                    if generation != self._generation:
                        self._rewind(fetched)  # the assignment changed while fetching
                        continue
                    await asyncio.gather(
                        *(self._process(tp, records) for tp, records in fetched.items())
                    )
        finally:
            self.running = False
            self._lag.clear()
            async with self._lock:
                await self._release(list(self._writers))
            await self._consumer.stop()

    def _rewind(self, fetched: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        """Put a dropped batch back: the consumer's position has already moved past it."""
        assigned = self._consumer.assignment()
        for tp, records in fetched.items():
            if tp in assigned and records:
                self._consumer.seek(tp, records[0].offset)

    async def _process(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> None:
        writer = self._writers.get(tp.partition)
        if writer is None:
            return
        MESSAGES_CONSUMED.labels(SERVICE, tp.topic).inc(len(records))
        with HANDLER_SECONDS.labels(SERVICE, "command_batch").time():
            batch = Batch(writer.state)
            outcomes, headers = self._decide(batch, records)
            try:
                async with writer.producer.transaction():
                    # The offset joins the transaction while the events are produced, rather
                    # than after their acknowledgements: one round trip less per batch. The
                    # sends are still awaited inside the transaction, so one that fails
                    # aborts the lot (aiokafka would otherwise commit without it).
                    await asyncio.gather(
                        self._send(writer, records, outcomes, headers),
                        writer.producer.send_offsets_to_transaction(
                            {tp: records[-1].offset + 1}, self._group_id
                        ),
                    )
            except ProducerFenced:
                log.error("fenced: another instance owns this partition", partition=tp.partition)
                raise
            except KafkaError:
                HANDLER_ERRORS.labels(SERVICE, "command_batch").inc()
                log.exception(
                    "transaction failed; re-reading the partition", partition=tp.partition
                )
                await self._reset(tp.partition)
                return
        batch.commit()

    def _decide(
        self, batch: Batch, records: list[ConsumerRecord[Any, Any]]
    ) -> tuple[list[Outcome], list[list[tuple[str, bytes]]]]:
        """Each command's outcome, and the trace headers its events carry on."""
        outcomes, headers = [], []
        for record in records:
            # A span per command, so each command's events continue its own trace. It is
            # never made the current span: attaching and detaching the context, and the
            # propagator's round trip through it, cost more than handling a submission.
            span = _tracer.start_span(
                "tickets.handle_command",
                context=context_from_kafka_headers(record.headers),
                kind=SpanKind.CONSUMER,
                attributes={"messaging.kafka.offset": record.offset},
            )
            try:
                outcomes.append(handle(batch, record.value, self._clock))
            except BaseException as error:
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, repr(error)))
                raise
            finally:
                span.end()
            headers.append(_trace_headers(span.get_span_context()))
        return outcomes, headers

    async def _send(
        self,
        writer: PartitionWriter,
        records: list[ConsumerRecord[Any, Any]],
        outcomes: list[Outcome],
        headers: list[list[tuple[str, bytes]]],
    ) -> None:
        producer = writer.producer
        sends = []
        # Counted per batch: a labelled metric's lookup costs more than producing a record.
        produced: Counter[str] = Counter()
        for record, outcome, trace in zip(records, outcomes, headers, strict=True):
            for event in outcome.events:
                sends.append(
                    await producer.send(
                        TICKET_EVENTS.name,
                        value=event.model_dump_json().encode(),
                        key=str(event.ticket_id).encode(),
                        partition=writer.partition,
                        headers=trace,
                    )
                )
                produced[TICKET_EVENTS.name] += 1
            for command in outcome.commands:
                sends.append(
                    await producer.send(
                        TICKET_COMMANDS.name,
                        value=command.model_dump_json().encode(),
                        key=str(command.ticket_id).encode(),
                        headers=trace,
                    )
                )
                produced[TICKET_COMMANDS.name] += 1
            if outcome.reply is not None:
                sends.append(
                    await producer.send(
                        TICKET_REPLIES.name,
                        value=outcome.reply.model_dump_json().encode(),
                        key=outcome.reply.reply_to.encode(),
                        headers=trace,
                    )
                )
                produced[TICKET_REPLIES.name] += 1
            if outcome.dead_letter_reason is not None:
                letter = dead_letter_record(
                    SERVICE, record, outcome.dead_letter_reason, self._clock()
                )
                sends.append(
                    await producer.send(
                        DEAD_LETTERS.name,
                        value=letter.model_dump_json().encode(),
                        key=record.topic.encode(),
                    )
                )
                DEAD_LETTERS_TOTAL.labels(SERVICE, record.topic).inc()
                produced[DEAD_LETTERS.name] += 1
                log.warning(
                    "command dead-lettered",
                    partition=record.partition,
                    offset=record.offset,
                    reason=outcome.dead_letter_reason,
                )
        for topic, count in produced.items():
            MESSAGES_PRODUCED.labels(SERVICE, topic).inc(count)
        await asyncio.gather(*sends)

    async def _take(self, partitions: list[int]) -> None:
        if not partitions:
            return
        writers = [PartitionWriter(self._bootstrap, self._prefix, p) for p in partitions]
        await asyncio.gather(*(w.start() for w in writers))
        states = await rebuild_partitions(self._bootstrap, partitions, TICKET_COMMANDS.partitions)
        for writer in writers:
            writer.state = states[writer.partition]
            self._writers[writer.partition] = writer
        log.info(
            "partitions taken",
            partitions=partitions,
            tickets={p: len(s.tickets) for p, s in states.items()},
        )

    async def _release(self, partitions: list[int]) -> None:
        writers = [self._writers.pop(p) for p in partitions if p in self._writers]
        await asyncio.gather(*(w.stop() for w in writers))
        if partitions:
            log.info("partitions released", partitions=partitions)

    async def _reset(self, partition: int) -> None:
        """Start the partition over from what is committed: new writer, rebuilt state, offset."""
        self._generation += 1
        await self._release([partition])
        await self._take([partition])
        tp = TopicPartition(TICKET_COMMANDS.name, partition)
        committed = await self._consumer.committed(tp)
        if committed is None:
            await self._consumer.seek_to_beginning(tp)
        else:
            self._consumer.seek(tp, committed)


def _trace_headers(context: SpanContext) -> list[tuple[str, bytes]]:
    """The W3C `traceparent` (and `tracestate`) of `context` as record headers: what the
    propagator writes for the current span, without making the span current first."""
    if not context.is_valid:
        return []
    headers = [
        (
            "traceparent",
            f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}".encode(),
        )
    ]
    if context.trace_state:
        headers.append(("tracestate", context.trace_state.to_header().encode()))
    return headers


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Hands partitions over without losing or doubling a transaction.

    Revocation only waits for the open transaction (the lock) and invalidates fetched
    batches; writers are kept until the new assignment is known, so a partition that stays
    with this instance keeps its state instead of being rebuilt from the log. A partition
    that moves away is fenced by its new owner's producer in any case.
    """

    def __init__(self, loop: CommandConsumer) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self._loop._lock:
            self._loop._generation += 1

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        wanted = {tp.partition for tp in assigned}
        async with self._loop._lock:
            self._loop._generation += 1
            await self._loop._release([p for p in self._loop.owned_partitions if p not in wanted])
            await self._loop._take(sorted(wanted - set(self._loop.owned_partitions)))
