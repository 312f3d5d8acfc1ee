"""Time for the timer loop: the system clock, or a manual one that tests step by hand."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def wait_until(self, until: datetime, interrupt: asyncio.Event) -> None:
        """Return once it is `until` by this clock, or as soon as `interrupt` is set."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait_until(self, until: datetime, interrupt: asyncio.Event) -> None:
        seconds = (until - self.now()).total_seconds()
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(interrupt.wait(), timeout=seconds)


class ManualClock:
    """A clock that moves only when told to (`advance`, `set`): days pass without sleeping."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the manual clock needs an aware start")
        self._now = start
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self._now + delta)

    def set(self, when: datetime) -> datetime:
        if when < self._now:
            raise ValueError("time does not run backwards")
        self._now = when
        # Wake every waiter, then give later waiters a fresh event.
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
        return self._now

    async def wait_until(self, until: datetime, interrupt: asyncio.Event) -> None:
        while self._now < until and not interrupt.is_set():
            moved = asyncio.ensure_future(self._moved.wait())
            interrupted = asyncio.ensure_future(interrupt.wait())
            try:
                await asyncio.wait({moved, interrupted}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                moved.cancel()
                interrupted.cancel()
