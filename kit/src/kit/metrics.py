"""Prometheus metrics every service reports under the same names and labels.

Defined once, here, on the default registry: a second definition of the same name would
raise at import, and one set of names lets a single dashboard cover every service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from aiokafka import TopicPartition
from aiokafka.errors import IllegalStateError
from prometheus_client import Counter, Gauge, Histogram

MESSAGES_CONSUMED = Counter(
    "dvika_messages_consumed_total",
    "Kafka records a service consumed, by source topic.",
    ["service", "topic"],
)

MESSAGES_PRODUCED = Counter(
    "dvika_messages_produced_total",
    "Kafka records a service produced, by destination topic.",
    ["service", "topic"],
)

HANDLER_SECONDS = Histogram(
    "dvika_handler_seconds",
    "Time spent handling one record or request, by handler.",
    ["service", "handler"],
)

HANDLER_ERRORS = Counter(
    "dvika_handler_errors_total",
    "Handler invocations that raised, by handler.",
    ["service", "handler"],
)

DEAD_LETTERS_TOTAL = Counter(
    "dvika_dead_letters_total",
    "Records sent to the dead-letter topic, by the topic they came from.",
    ["service", "topic"],
)

WEBSOCKET_CONNECTIONS = Gauge(
    "dvika_websocket_connections",
    "WebSocket clients connected right now.",
    ["service"],
)

CONSUMER_LAG = Gauge(
    "dvika_consumer_lag",
    "Records a consumer has still to read: the partition's high watermark minus its position.",
    ["service", "topic", "partition"],
)

PROJECTION_LAG_SECONDS = Gauge(
    "dvika_projection_lag_seconds",
    "How far a loop's applied state trails its log, in seconds: 0 when caught up, else the"
    " age of the newest record it applied (see kit.loop_telemetry).",
    ["service", "projection"],
)

TIMER_LAG_SECONDS = Gauge(
    "dvika_timer_lag_seconds",
    "How late the most overdue timer is (now minus its due time); 0 when none is overdue.",
    ["service", "timer"],
)

HTTP_REQUEST_SECONDS = Histogram(
    "dvika_http_request_seconds",
    "HTTP requests served, by method, route template and status code.",
    ["service", "method", "route", "status"],
)


class AssignedConsumer(Protocol):
    """What `ConsumerLagReporter.update` reads of an `aiokafka.AIOKafkaConsumer`."""

    def assignment(self) -> Iterable[TopicPartition]: ...

    def highwater(self, partition: TopicPartition) -> int | None: ...

    async def position(self, partition: TopicPartition) -> int: ...


class ConsumerLagReporter:
    """Exports `dvika_consumer_lag{service,topic,partition}` for one consumer's partitions.

    Call `update(consumer)` after each fetch (`getmany`): the high watermark comes with the
    fetch answer, so no request goes to Kafka. A partition the consumer no longer holds (a
    rebalance gave it to another instance) stops being reported, so the instance that now
    holds it is the only one speaking for it; `clear()` when the consumer stops.
    """

    def __init__(self, service: str) -> None:
        self._service = service
        self._reported: set[tuple[str, int]] = set()

    def record(self, offsets: Mapping[tuple[str, int], tuple[int | None, int | None]]) -> None:
        """Set the lag of each `(topic, partition)` from its `(high watermark, position)`.

        A partition whose high watermark or position is not known yet keeps its last value.
        """
        for (topic, partition), (highwater, position) in offsets.items():
            if highwater is None or position is None:
                continue
            lag = max(highwater - position, 0)
            CONSUMER_LAG.labels(self._service, topic, str(partition)).set(lag)
        held = set(offsets)
        for topic, partition in self._reported - held:
            CONSUMER_LAG.remove(self._service, topic, str(partition))
        self._reported = {key for key in held if key in self._reported or _known(offsets[key])}

    async def update(
        self, consumer: AssignedConsumer
    ) -> dict[tuple[str, int], tuple[int | None, int | None]]:
        """Record the consumer's lag; returns the `(high watermark, position)` it read."""
        offsets: dict[tuple[str, int], tuple[int | None, int | None]] = {}
        for tp in consumer.assignment():
            try:
                position: int | None = await consumer.position(tp)
            except IllegalStateError:
                # Revoked between `assignment()` and here: not ours any more.
                continue
            offsets[(tp.topic, tp.partition)] = (consumer.highwater(tp), position)
        self.record(offsets)
        return offsets

    def clear(self) -> None:
        self.record({})


def _known(offsets: tuple[int | None, int | None]) -> bool:
    return offsets[0] is not None and offsets[1] is not None
