"""`dvika_consumer_lag` from a consumer's high watermarks and positions (kit.metrics)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import IllegalStateError
from prometheus_client import REGISTRY

from kit.metrics import ConsumerLagReporter

TOPIC = "dvika.lagtest.v1"


def lag(service: str, partition: int, topic: str = TOPIC) -> float | None:
    return REGISTRY.get_sample_value(
        "dvika_consumer_lag", {"service": service, "topic": topic, "partition": str(partition)}
    )


class FakeConsumer:
    """Assigned partitions with a high watermark and a position each."""

    def __init__(self, offsets: dict[int, tuple[int | None, int]]) -> None:
        self.offsets = offsets
        self.revoked_during_update: set[int] = set()

    def assignment(self) -> Iterable[TopicPartition]:
        return {TopicPartition(TOPIC, p) for p in self.offsets}

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.offsets[partition.partition][0]

    async def position(self, partition: TopicPartition) -> int:
        if partition.partition in self.revoked_during_update:
            raise IllegalStateError("partition is not assigned")
        return self.offsets[partition.partition][1]


async def test_lag_is_high_watermark_minus_position_per_partition() -> None:
    reporter = ConsumerLagReporter("lag-a")
    await reporter.update(FakeConsumer({0: (10, 4), 1: (7, 7), 2: (3, 0)}))
    assert (lag("lag-a", 0), lag("lag-a", 1), lag("lag-a", 2)) == (6, 0, 3)


async def test_a_partition_given_away_stops_being_reported() -> None:
    reporter = ConsumerLagReporter("lag-b")
    await reporter.update(FakeConsumer({0: (10, 4), 1: (9, 1)}))
    await reporter.update(FakeConsumer({1: (9, 5)}))
    assert lag("lag-b", 0) is None
    assert lag("lag-b", 1) == 4


async def test_unknown_high_watermark_keeps_the_last_value() -> None:
    reporter = ConsumerLagReporter("lag-c")
    await reporter.update(FakeConsumer({0: (10, 4)}))
    await reporter.update(FakeConsumer({0: (None, 8)}))
    assert lag("lag-c", 0) == 6
    # Not known at all yet: nothing is invented.
    await reporter.update(FakeConsumer({0: (12, 12), 1: (None, 0)}))
    assert lag("lag-c", 0) == 0
    assert lag("lag-c", 1) is None


async def test_revoked_while_reading_is_skipped_and_clear_removes_everything() -> None:
    reporter = ConsumerLagReporter("lag-d")
    await reporter.update(FakeConsumer({0: (5, 1), 1: (5, 2)}))
    consumer = FakeConsumer({0: (6, 1), 1: (6, 2)})
    consumer.revoked_during_update = {1}
    await reporter.update(consumer)
    assert lag("lag-d", 0) == 5
    assert lag("lag-d", 1) is None
    reporter.clear()
    assert lag("lag-d", 0) is None


@pytest.mark.parametrize(("highwater", "position"), [(3, 5), (0, 0)])
def test_lag_is_never_negative(highwater: int, position: int) -> None:
    reporter = ConsumerLagReporter("lag-e")
    reporter.record({(TOPIC, 0): (highwater, position)})
    assert lag("lag-e", 0) == 0


def test_projection_timer_and_http_metrics_are_registered() -> None:
    from kit import metrics

    metrics.PROJECTION_LAG_SECONDS.labels("lag-f", "tickets").set(2.5)
    metrics.TIMER_LAG_SECONDS.labels("lag-f", "sla").set(1.0)
    metrics.HTTP_REQUEST_SECONDS.labels("lag-f", "GET", "/x", "200").observe(0.01)
    assert (
        REGISTRY.get_sample_value(
            "dvika_projection_lag_seconds", {"service": "lag-f", "projection": "tickets"}
        )
        == 2.5
    )
    assert (
        REGISTRY.get_sample_value(
            "dvika_http_request_seconds_count",
            {"service": "lag-f", "method": "GET", "route": "/x", "status": "200"},
        )
        == 1
    )
