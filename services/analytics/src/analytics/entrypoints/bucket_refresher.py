"""Recomputes the daily buckets of dirty days, in the background.

Each round reads the persisted markers (the truth: they survive a crash), recomputes every
marked day wholly from its facts, replaces its buckets, and unmarks it only if nobody marked
it again meanwhile. The projection wakes the loop when it marks days; otherwise it looks
every `interval_s` anyway (another replica, or a marker left by a crash).
"""

from __future__ import annotations

import asyncio
import time

import structlog
from prometheus_client import Counter, Gauge

from analytics.adapters.fact_store import AnalyticsStore
from analytics.domain.buckets import day_buckets
from analytics.domain.sheets import day_sheets

log = structlog.get_logger(__name__)

DAYS_REFRESHED = Counter(
    "dvika_analytics_days_refreshed_total", "Days whose buckets were recomputed."
)
DIRTY_DAYS = Gauge("dvika_analytics_dirty_days", "Days waiting for their buckets to be recomputed.")
_MAX_PAUSE_S = 5.0
_IDLE_ROUNDS = 5


class BucketRefresher:
    def __init__(self, store: AnalyticsStore, interval_s: float) -> None:
        self._store = store
        self._interval_s = interval_s
        self._wake = asyncio.Event()
        # Days marked in this process and not yet recomputed (the markers hold the rest).
        self.pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self.last_round_at: float | None = None

    def mark(self, days: set[str]) -> None:
        self.pending |= days
        self._wake.set()

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="bucket-refresher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def refresh_once(self) -> int:
        """Recompute every marked day now; returns how many were recomputed."""
        marked = await self._store.dirty_days()
        DIRTY_DAYS.set(len(marked))
        for day, stamp in sorted(marked.items()):
            facts = await self._store.facts_created_on(day)
            cube = day_buckets(day, facts)
            open_now = sum(int(fact.is_open) for fact in facts)
            await self._store.replace_day(day, cube, day_sheets(day, cube), open_now)
            if await self._store.clear_dirty(day, stamp):
                self.pending.discard(day)
            DAYS_REFRESHED.inc()
        self.last_round_at = time.monotonic()
        return len(marked)

    async def _loop(self) -> None:
        # At most one round per interval, so a replay marking days in every batch recomputes
        # each day about once per interval rather than once per batch. Without a wake-up the
        # markers are still read every few intervals (another replica, a crash's leftovers).
        failures = 0
        idle_rounds = _IDLE_ROUNDS  # the first round runs at once: markers a crash left
        while True:
            await asyncio.sleep(self._interval_s)
            idle_rounds += 1
            if not self._wake.is_set() and idle_rounds < _IDLE_ROUNDS and not failures:
                continue
            self._wake.clear()
            idle_rounds = 0
            try:
                await self.refresh_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("bucket refresh failed; retrying")
                await asyncio.sleep(min(self._interval_s * 2**failures, _MAX_PAUSE_S))
