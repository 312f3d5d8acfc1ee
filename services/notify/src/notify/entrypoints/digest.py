"""The managers' daily digest, made at the configured time by whichever replica gets there
(its records' keys name the day, so replicas and restarts make one digest a day). Its figures
are read from the analytics reports API (`reports`) when it is made; without them the mail
says they are unavailable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo

import structlog

from notify.adapters.notification_store import NotificationStore
from notify.adapters.ticket_store import TicketFactsStore
from notify.composer import NotificationComposer
from notify.domain.digest import (
    DigestDay,
    ReportsSource,
    digest_intents,
    fetch_figures,
    figures_day,
    last_run,
    next_run,
)
from notify.domain.links import Links
from notify.domain.roster import Roster

log = structlog.get_logger(__name__)

# A digest missed by less than this (the service was restarting) is still made.
CATCH_UP = timedelta(hours=1)
# The clock is read again at least this often while waiting (it may jump).
_MAX_SLEEP_S = 60.0


class DigestScheduler:
    def __init__(
        self,
        *,
        tickets: TicketFactsStore,
        notifications: NotificationStore,
        composer: NotificationComposer,
        roster: Roster,
        links: Links,
        at: time,
        zone: tzinfo,
        clock: Callable[[], datetime],
        reports: ReportsSource,
        on_recorded: Callable[[], None] = lambda: None,
    ) -> None:
        self._reports = reports
        self._tickets = tickets
        self._notifications = notifications
        self._composer = composer
        self._roster = roster
        self._links = links
        self._at = at
        self._zone = zone
        self._clock = clock
        self._on_recorded = on_recorded
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="notify-digest")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def make(self, run_at: datetime) -> int:
        """Record the digest of the day ending at `run_at`; returns how many were new."""
        day = DigestDay(run_at)
        until = run_at
        figures = await fetch_figures(self._reports, figures_day(run_at, self._zone))
        if figures is None:
            log.warning("digest figures unavailable: the reports could not be had")
        intents = digest_intents(
            day,
            self._roster,
            self._links,
            new=await self._tickets.changed_since("submitted_at", day.since, until),
            breached=await self._tickets.changed_since("breached_at", day.since, until),
            escalated=await self._tickets.changed_since("escalated_at", day.since, until),
            figures=figures,
        )
        now = self._clock()
        inserted = await self._notifications.insert_new(
            [self._composer.compose(intent, now) for intent in intents]
        )
        if inserted:
            self._on_recorded()
        log.info(
            "digest made",
            day=day.source_id,
            managers=len(intents),
            new=len(inserted),
            figures=figures is not None,
        )
        return len(inserted)

    async def make_now(self) -> int:
        """Today's digest (by the configured zone's date), covering the day until now."""
        return await self.make(self._clock().astimezone(self._zone))

    async def _loop(self) -> None:
        previous = last_run(self._clock(), self._at, self._zone)
        if self._clock() - previous < CATCH_UP:
            await self._make_safely(previous)
        while True:
            due = next_run(self._clock() + timedelta(seconds=1), self._at, self._zone)
            # Sleeping in steps, not on an event: nothing but the clock ends this wait.
            while (left := (due - self._clock()).total_seconds()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(min(left, _MAX_SLEEP_S))
            await self._make_safely(due)

    async def _make_safely(self, run_at: datetime) -> None:
        try:
            await self.make(run_at)
        except Exception:
            log.exception("digest failed", run_at=run_at.isoformat())
