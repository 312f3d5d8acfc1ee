"""What every consuming loop reports (`kit.loop_telemetry`): the shared metrics, the
projection lag, and spans that continue the trace of each record's headers."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY

from kit.loop_telemetry import TRACE_MAX_AGE_S, LoopTelemetry, projection_lag_s
from kit.tracing import current_trace_context
from unit.kit.spans import global_memory_exporter

TOPIC = "dvika.looptest.v1"
TRACE_A = "0af7651916cd43dd8448eb211c80319c"
TRACE_B = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = global_memory_exporter()
    yield exporter
    exporter.shutdown()


@dataclass
class FakeRecord:
    offset: int
    partition: int = 0
    topic: str = TOPIC
    timestamp: int = field(default_factory=lambda: int(time.time() * 1000))
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def traced(offset: int, trace_id: str, timestamp: int | None = None) -> FakeRecord:
    header = ("traceparent", f"00-{trace_id}-b7ad6b7169203331-01".encode())
    record = FakeRecord(offset, headers=[header])
    if timestamp is not None:
        record.timestamp = timestamp
    return record


class FakeConsumer:
    def __init__(self, offsets: dict[int, tuple[int | None, int]]) -> None:
        self.offsets = offsets

    def assignment(self) -> Iterable[TopicPartition]:
        return {TopicPartition(TOPIC, p) for p in self.offsets}

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.offsets[partition.partition][0]

    async def position(self, partition: TopicPartition) -> int:
        return self.offsets[partition.partition][1]


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_projection_lag_is_zero_when_caught_up_and_the_applied_age_when_behind() -> None:
    now = 1_000_000.0
    applied = {(TOPIC, 0): 990_000, (TOPIC, 1): 999_000}
    caught_up = {(TOPIC, 0): (10, 10), (TOPIC, 1): (5, 5)}
    assert projection_lag_s(caught_up, applied, now) == 0
    behind = {(TOPIC, 0): (12, 10), (TOPIC, 1): (5, 5)}
    assert projection_lag_s(behind, applied, now) == 10.0
    # The worst partition counts.
    both = {(TOPIC, 0): (12, 10), (TOPIC, 1): (9, 5)}
    assert projection_lag_s(both, applied, now) == 10.0


def test_projection_lag_is_unknown_rather_than_guessed() -> None:
    assert projection_lag_s({}, {}, 1.0) is None
    # Behind on a partition it never applied anything from; high watermark not known yet.
    assert projection_lag_s({(TOPIC, 0): (5, 0), (TOPIC, 1): (None, 3)}, {}, 1.0) is None


async def test_metrics_of_a_loop_share_the_kits_names_and_labels() -> None:
    telemetry = LoopTelemetry("loop-a", "facts")
    records = [FakeRecord(0), FakeRecord(1), FakeRecord(0, topic="other.topic")]
    telemetry.consumed(records)
    with telemetry.handling(records):
        pass
    with pytest.raises(ValueError, match="mongo away"), telemetry.handling(records):
        raise ValueError("mongo away")

    assert sample("dvika_messages_consumed_total", service="loop-a", topic=TOPIC) == 2
    assert sample("dvika_messages_consumed_total", service="loop-a", topic="other.topic") == 1
    assert sample("dvika_handler_seconds_count", service="loop-a", handler="facts") == 2
    assert sample("dvika_handler_errors_total", service="loop-a", handler="facts") == 1


async def test_consumer_and_projection_lag_follow_the_consumer_and_go_when_it_stops() -> None:
    telemetry = LoopTelemetry("loop-b", "read_model")
    written = int(time.time() * 1000) - 30_000
    telemetry.applied([FakeRecord(9, timestamp=written)])

    await telemetry.update(FakeConsumer({0: (15, 10)}))
    labels = {"service": "loop-b", "topic": TOPIC, "partition": "0"}
    assert REGISTRY.get_sample_value("dvika_consumer_lag", labels) == 5
    lag = sample("dvika_projection_lag_seconds", service="loop-b", projection="read_model")
    assert lag is not None
    assert 29 <= lag < 60

    await telemetry.update(FakeConsumer({0: (15, 15)}))
    assert sample("dvika_projection_lag_seconds", service="loop-b", projection="read_model") == 0

    # A rebalance gave every partition to another instance: it reports them now.
    await telemetry.update(FakeConsumer({}))
    assert sample("dvika_projection_lag_seconds", service="loop-b", projection="read_model") is None
    telemetry.applied([FakeRecord(20)])
    await telemetry.update(FakeConsumer({0: (21, 21)}))
    telemetry.clear()
    assert REGISTRY.get_sample_value("dvika_consumer_lag", labels) is None
    assert sample("dvika_projection_lag_seconds", service="loop-b", projection="read_model") is None


def test_a_span_per_trace_continues_each_records_headers(spans: InMemorySpanExporter) -> None:
    telemetry = LoopTelemetry("loop-c", "projector")
    # Two records of trace A from one producer span, one of trace B, one without context.
    records = [traced(0, TRACE_A), traced(1, TRACE_A), traced(2, TRACE_B), FakeRecord(3)]
    with telemetry.handling(records):
        carried = current_trace_context()["traceparent"].split("-")

    mine = [
        s
        for s in spans.get_finished_spans()
        if (s.attributes or {}).get("dvika.service") == "loop-c"
    ]
    assert sorted(format(s.context.trace_id, "032x") for s in mine) == sorted([TRACE_A, TRACE_B])
    for span in mine:
        assert span.name == "projector process"
        assert span.kind is SpanKind.CONSUMER
        assert span.parent is not None
        assert span.parent.is_remote
        assert (span.attributes or {})["messaging.destination.name"] == TOPIC
        assert (span.attributes or {})["messaging.batch.message_count"] == 4
    # What the handler produces carries the first record's trace on, under our span.
    first = next(s for s in mine if format(s.context.trace_id, "032x") == TRACE_A)
    assert carried[1:3] == [TRACE_A, format(first.context.span_id, "016x")]


def test_old_records_and_untraced_ones_make_no_span(spans: InMemorySpanExporter) -> None:
    telemetry = LoopTelemetry("loop-d", "replayer")
    long_ago = int((time.time() - TRACE_MAX_AGE_S - 60) * 1000)
    with telemetry.handling([traced(0, TRACE_A, timestamp=long_ago), FakeRecord(1)]):
        assert current_trace_context() == {}
    assert not [
        s
        for s in spans.get_finished_spans()
        if (s.attributes or {}).get("dvika.service") == "loop-d"
    ]


def test_a_failing_handler_marks_its_spans_as_errors(spans: InMemorySpanExporter) -> None:
    telemetry = LoopTelemetry("loop-e", "sender")
    with pytest.raises(RuntimeError), telemetry.handling([traced(0, TRACE_A)]):
        raise RuntimeError("smtp away")
    [span] = [
        s
        for s in spans.get_finished_spans()
        if (s.attributes or {}).get("dvika.service") == "loop-e"
    ]
    assert span.status.status_code is StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]


class TransactionalConsumer(FakeConsumer):
    """A read_committed consumer: records past the last stable offset are not readable yet."""

    def __init__(self, offsets: dict[int, tuple[int | None, int]], stable: int) -> None:
        super().__init__(offsets)
        self.stable = stable

    def last_stable_offset(self, partition: TopicPartition) -> int:
        return self.stable


async def test_an_open_transaction_past_the_position_is_not_lag() -> None:
    telemetry = LoopTelemetry("loop-f", "read_model")
    telemetry.applied([FakeRecord(9, timestamp=int(time.time() * 1000) - 3_600_000)])
    # Everything committed is applied; the tickets service has a transaction open (10..11).
    await telemetry.update(TransactionalConsumer({0: (12, 10)}, stable=10))
    assert sample("dvika_projection_lag_seconds", service="loop-f", projection="read_model") == 0
    # Once it commits, the consumer is behind until it applies them.
    await telemetry.update(TransactionalConsumer({0: (13, 10)}, stable=13))
    lag = sample("dvika_projection_lag_seconds", service="loop-f", projection="read_model")
    assert lag is not None
    assert lag >= 3600
