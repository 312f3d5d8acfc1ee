"""Open-loop load and latency histograms for the bench scenarios.

Requests start on a fixed schedule whatever earlier ones are doing, and each latency counts
from the moment its request was due, not from when it was sent: a slow answer delays no one
and hides no queueing (no coordinated omission). Latencies go into an HDR histogram.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

Request = Callable[[], Awaitable[bool]]  # True: answered as expected


@dataclass(frozen=True)
class Latencies:
    p50_ms: float
    p95_ms: float
    p99_ms: float
    count: int
    errors: int


async def open_loop(request: Request, rate_per_s: float, duration_s: float) -> Latencies:
    """`request` at `rate_per_s` for `duration_s`, each timed from when it was due."""
    histogram = HdrHistogram(1, 60_000_000, 3)  # microseconds, up to a minute
    errors = 0
    interval = 1 / rate_per_s
    start = time.perf_counter()
    total = max(1, int(rate_per_s * duration_s))

    async def one(due: float) -> None:
        nonlocal errors
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            ok = await request()
        except Exception:
            ok = False
        histogram.record_value(max(1, int((time.perf_counter() - due) * 1_000_000)))
        if not ok:
            errors += 1

    await asyncio.gather(*(one(start + i * interval) for i in range(total)))
    return Latencies(
        p50_ms=histogram.get_value_at_percentile(50) / 1000,
        p95_ms=histogram.get_value_at_percentile(95) / 1000,
        p99_ms=histogram.get_value_at_percentile(99) / 1000,
        count=total,
        errors=errors,
    )
