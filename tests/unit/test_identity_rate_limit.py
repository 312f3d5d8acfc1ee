"""The login rate limit: token buckets per key, by an injected clock."""

from __future__ import annotations

import pytest

from gateway.identity.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ten_per_minute_then_a_wait_of_six_seconds() -> None:
    clock = Clock()
    limiter = RateLimiter(10, 60, clock=clock)
    assert [limiter.acquire("ip:1") for _ in range(10)] == [0.0] * 10
    assert limiter.acquire("ip:1") == pytest.approx(6.0)
    clock.now += 3
    assert limiter.acquire("ip:1") == pytest.approx(3.0)  # refused attempts take nothing
    clock.now += 3
    assert limiter.acquire("ip:1") == 0.0
    assert limiter.acquire("ip:1") == pytest.approx(6.0)


def test_keys_are_independent_and_checked_together() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 60, clock=clock)
    assert limiter.acquire("ip:a", "email:x") == 0.0
    assert limiter.acquire("ip:b", "email:x") == 0.0
    # email:x is spent though ip:c is fresh: refused, and ip:c keeps its tokens.
    assert limiter.acquire("ip:c", "email:x") == pytest.approx(30.0)
    assert limiter.acquire("ip:c", "email:y") == 0.0
    assert limiter.acquire("ip:c", "email:z") == 0.0
    assert limiter.acquire("ip:c", "email:w") > 0


def test_a_bucket_refills_to_its_capacity_only() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    clock.now += 3600
    assert [limiter.acquire("k") for _ in range(4)][-1] > 0


def test_full_buckets_are_forgotten_when_there_are_too_many() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60, clock=clock, max_keys=10)
    for n in range(11):
        limiter.acquire(f"ip:{n}")
    clock.now += 60
    limiter.acquire("ip:new")
    assert len(limiter._buckets) <= 2


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (5.2, "6"), (59.9, "60")])
def test_retry_after_is_whole_seconds_rounded_up(wait: float, header: str) -> None:
    assert RateLimiter.retry_after_header(wait) == header


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        RateLimiter(0)
