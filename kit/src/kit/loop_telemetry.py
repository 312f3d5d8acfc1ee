"""What every Kafka-consuming loop reports, under the same names in every service.

A loop (`GroupConsumer`, `TopicTail`) calls `consumed` for what a fetch brought, runs its
handler inside `handling`, calls `applied` once the records' effects are stored, and `update`
after each fetch. That gives, labelled by service and loop name:

- `dvika_messages_consumed_total{service,topic}`, `dvika_handler_seconds{service,handler}`,
  `dvika_handler_errors_total{service,handler}`;
- `dvika_consumer_lag{service,topic,partition}` (see `ConsumerLagReporter`);
- `dvika_projection_lag_seconds{service,projection}`: 0 while the loop has applied every
  readable record of its partitions (up to the last stable offset: an open transaction's
  records are not readable yet); while it trails one, the time since the newest record it
  applied there was written. That bounds "newest event time minus newest applied event
  time" from above, and unlike it keeps growing while a loop is stuck behind a record;
- one CONSUMER span per parent span among the handled records' header contexts, each a
  child of it (a batch from one request is one span; a batch of several traces joins each),
  the first one current while the handler runs, so what the handler produces carries that
  trace on (exact for one record, the first record's trace for a batch). Records written
  more than `TRACE_MAX_AGE_S` ago (a replay from the beginning, a fresh consumer group) are
  handled without a span: joining long-finished traces would only flood the trace store.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Protocol

from aiokafka import TopicPartition
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from kit.metrics import (
    HANDLER_ERRORS,
    HANDLER_SECONDS,
    MESSAGES_CONSUMED,
    PROJECTION_LAG_SECONDS,
    AssignedConsumer,
    ConsumerLagReporter,
)
from kit.tracing import context_from_kafka_headers, get_tracer

TRACE_MAX_AGE_S = 600.0

_tracer = get_tracer(__name__)


class ConsumedRecord(Protocol):
    """What the telemetry reads of an aiokafka `ConsumerRecord`."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def timestamp(self) -> int: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class LoopTelemetry:
    """Metrics and spans of one consuming loop: `name` labels its handler and projection."""

    def __init__(self, service: str, name: str) -> None:
        self.service = service
        self.name = name
        self._lag = ConsumerLagReporter(service)
        # Per (topic, partition): when the newest applied record was written (ms, Kafka time).
        self._applied_ms: dict[tuple[str, int], int] = {}

    def consumed(self, records: Sequence[ConsumedRecord]) -> None:
        counts: dict[str, int] = {}
        for record in records:
            counts[record.topic] = counts.get(record.topic, 0) + 1
        for topic, count in counts.items():
            MESSAGES_CONSUMED.labels(self.service, topic).inc(count)

    @contextmanager
    def handling(self, records: Sequence[ConsumedRecord]) -> Iterator[None]:
        """Time the handler, count it if it raises, and trace it under the records' context."""
        spans = self._start_spans(records)
        started = time.perf_counter()
        try:
            if spans:
                with trace.use_span(
                    spans[0], record_exception=False, set_status_on_exception=False
                ):
                    yield
            else:
                yield
        except Exception as error:
            HANDLER_ERRORS.labels(self.service, self.name).inc()
            for span in spans:
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            raise
        finally:
            HANDLER_SECONDS.labels(self.service, self.name).observe(time.perf_counter() - started)
            for span in spans:
                span.end()

    def applied(self, records: Sequence[ConsumedRecord]) -> None:
        """The records' effects are stored: they count as applied for the projection lag."""
        for record in records:
            key = (record.topic, record.partition)
            if record.timestamp >= 0 and record.timestamp > self._applied_ms.get(key, -1):
                self._applied_ms[key] = record.timestamp

    async def update(self, consumer: AssignedConsumer) -> None:
        """Refresh the consumer and projection lag from the consumer's last fetch."""
        offsets = await self._lag.update(consumer)
        readable = {
            key: (_readable_end(consumer, key, highwater), position)
            for key, (highwater, position) in offsets.items()
        }
        lag = projection_lag_s(readable, self._applied_ms, time.time() * 1000)
        if lag is None:
            if not offsets:
                # No partition left to speak for: another instance reports them.
                self._remove_projection_lag()
            return
        PROJECTION_LAG_SECONDS.labels(self.service, self.name).set(lag)

    def clear(self) -> None:
        """The loop stopped: what it reported is no longer true of anything."""
        self._lag.clear()
        self._remove_projection_lag()

    def _remove_projection_lag(self) -> None:
        with suppress(KeyError):
            PROJECTION_LAG_SECONDS.remove(self.service, self.name)

    def _start_spans(self, records: Sequence[ConsumedRecord]) -> list[Span]:
        oldest_ms = time.time() * 1000 - TRACE_MAX_AGE_S * 1000
        parents: dict[tuple[int, int], tuple[Context, ConsumedRecord]] = {}
        for record in records:
            if 0 <= record.timestamp < oldest_ms:
                continue
            context = context_from_kafka_headers(record.headers)
            parent = trace.get_current_span(context).get_span_context()
            if parent.is_valid:
                parents.setdefault((parent.trace_id, parent.span_id), (context, record))
        spans = []
        for context, record in parents.values():
            attributes: dict[str, Any] = {
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
                "messaging.batch.message_count": len(records),
                "dvika.service": self.service,
                "dvika.handler": self.name,
            }
            spans.append(
                _tracer.start_span(
                    f"{self.name} process",
                    context=context,
                    kind=SpanKind.CONSUMER,
                    attributes=attributes,
                )
            )
        return spans


def _readable_end(
    consumer: AssignedConsumer, key: tuple[str, int], highwater: int | None
) -> int | None:
    """Where a read_committed consumer can read up to: records of an open transaction past
    the last stable offset are not behind it yet (it could not have applied them)."""
    last_stable = getattr(consumer, "last_stable_offset", None)
    offset = last_stable(TopicPartition(*key)) if callable(last_stable) else None
    return offset if isinstance(offset, int) and offset >= 0 else highwater


def projection_lag_s(
    offsets: Mapping[tuple[str, int], tuple[int | None, int | None]],
    applied_ms: Mapping[tuple[str, int], int],
    now_ms: float,
) -> float | None:
    """Seconds the loop trails its partitions (see the module's docstring); None if unknown.

    `offsets` maps each held partition to its (high watermark, position).
    """
    worst: float | None = None
    for key, (highwater, position) in offsets.items():
        if highwater is None or position is None:
            continue
        if position >= highwater:
            lag = 0.0
        elif key in applied_ms:
            lag = max(now_ms - applied_ms[key], 0.0) / 1000
        else:
            continue  # behind since before it applied anything here: not known yet
        worst = lag if worst is None else max(worst, lag)
    return worst
