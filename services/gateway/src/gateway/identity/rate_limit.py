"""Token buckets keyed by client IP and by email, in process memory (pure: clock injected).

Why not a library such as `limits`: the login limit needs only this (a capacity, a refill
rate, several keys checked together and the seconds until the next try for `Retry-After`),
and a library's storage back-ends buy nothing while the state stays in one process. With
several gateway replicas each keeps its own buckets, so the effective limit is per replica;
a shared store (Redis) is the step after this one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`capacity` attempts, refilled evenly over `period_s`, per key."""

    def __init__(
        self,
        capacity: int,
        period_s: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if capacity < 1 or period_s <= 0:
            raise ValueError("capacity must be at least 1 and the period positive")
        self.capacity = capacity
        self._rate = capacity / period_s  # tokens per second
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, *keys: str) -> float:
        """Take one attempt from every key's bucket: 0 when allowed, else seconds to wait.

        A refused attempt takes nothing, so waiting `Retry-After` seconds is always enough.
        """
        now = self._clock()
        buckets = [self._refilled(key, now) for key in keys]
        waits = [(1 - b.tokens) / self._rate for b in buckets if b.tokens < 1]
        if waits:
            return max(waits)
        for bucket in buckets:
            bucket.tokens -= 1
        if len(self._buckets) > self._max_keys:
            self._forget_full(now)
        return 0.0

    @staticmethod
    def retry_after_header(wait_s: float) -> str:
        """Whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3)."""
        return str(max(1, math.ceil(wait_s)))

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.capacity), bucket.tokens + elapsed * self._rate)
            bucket.updated = now
        return bucket

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they behave exactly like absent ones."""
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self._rate >= self.capacity:
                del self._buckets[key]
