"""Open-loop load and latency histograms for the bench scenarios.

Requests start on a fixed schedule whatever earlier ones are doing, and each latency counts
from the moment its request was due, not from when it was sent: a slow answer delays no one
and hides no queueing (no coordinated omission). Latencies go into an HDR histogram.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from hdrh.histogram import HdrHistogram

Request = Callable[[], Awaitable[bool]]  # True: answered as expected
Lane = TypeVar("Lane")


@dataclass(frozen=True)
class Latencies:
    p50_ms: float
    p95_ms: float
    p99_ms: float
    count: int
    errors: int
    # From the first request's due time to the last answer.
    elapsed_s: float = 0.0

    @property
    def answered_per_s(self) -> float:
        """Requests answered as expected per second of the run (the achieved throughput)."""
        return (self.count - self.errors) / self.elapsed_s if self.elapsed_s else 0.0


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
        elapsed_s=time.perf_counter() - start,
    )


async def open_loop_lanes(
    request: Callable[[Lane], Awaitable[bool]],
    lanes: Sequence[Lane],
    rate_per_s: float,
    duration_s: float,
) -> Latencies:
    """`open_loop` for high rates: requests fall due on the same fixed schedule, and a fixed
    set of lanes (one HTTP connection each) takes them in order; time waited for a free lane
    counts, so a slow server still shows its whole queueing delay.

    Why not one client with a big pool: httpcore scans every queued request against every
    connection on each assignment, and at 500 requests/s the load generator itself became
    the bottleneck (py-spy: 70 % in `_assign_requests_to_connections`).
    """
    histogram = HdrHistogram(1, 60_000_000, 3)
    errors = 0
    total = max(1, int(rate_per_s * duration_s))
    due: asyncio.Queue[float | None] = asyncio.Queue()
    start = time.perf_counter()

    async def schedule() -> None:
        for i in range(total):
            at = start + i / rate_per_s
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due.put_nowait(at)
        for _ in lanes:
            due.put_nowait(None)

    async def work(lane: Lane) -> None:
        nonlocal errors
        while (at := await due.get()) is not None:
            try:
                ok = await request(lane)
            except Exception:
                ok = False
            histogram.record_value(max(1, int((time.perf_counter() - at) * 1_000_000)))
            if not ok:
                errors += 1

    await asyncio.gather(schedule(), *(work(lane) for lane in lanes))
    return Latencies(
        p50_ms=histogram.get_value_at_percentile(50) / 1000,
        p95_ms=histogram.get_value_at_percentile(95) / 1000,
        p99_ms=histogram.get_value_at_percentile(99) / 1000,
        count=total,
        errors=errors,
        elapsed_s=time.perf_counter() - start,
    )
