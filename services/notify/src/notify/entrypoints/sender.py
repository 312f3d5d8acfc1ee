"""The sender loop: due notifications out by email or Slack, marked sent, retried with
exponential backoff, dead after the last attempt.

Woken at once when new records are written; otherwise it looks every `poll_s`. Each one is
claimed first (its next attempt moves past a lease), so replicas do not send it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog

from notify.adapters.notification_store import NotificationStore
from notify.adapters.slack_webhook import SlackWebhook
from notify.adapters.smtp_mailer import PermanentFailure, SmtpMailer
from notify.domain.backoff import RetryPolicy
from notify.metrics import NOTIFICATIONS_DELIVERED

log = structlog.get_logger(__name__)

# Due records picked per pass. FerretDB sorts in Go, so each pick reads every pending record:
# a big pick reads them once per many mails when a backlog builds up.
_BATCH = 500
# Tickets whose notifications are being sent at once (a mail mostly waits on the servers).
_IN_FLIGHT = 16


class Sender:
    def __init__(
        self,
        *,
        store: NotificationStore,
        mailer: SmtpMailer,
        slack: SlackWebhook | None,
        policy: RetryPolicy,
        clock: Callable[[], datetime],
        poll_s: float,
        lease: timedelta,
    ) -> None:
        self._store = store
        self._mailer = mailer
        self._slack = slack
        self._policy = policy
        self._clock = clock
        self._poll_s = poll_s
        self._lease = lease
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Passes over the due records so far (GET /status shows it).
        self.passes = 0

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="notify-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                handled = await self.send_due()
                self.passes += 1
            except Exception:
                # MongoDB away: look again later, never stop.
                log.exception("sender pass failed")
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)

    async def send_due(self) -> int:
        """One pass over what is due now; returns how many were attempted.

        Several tickets' notifications go out at once (a mail is mostly waiting on the SMTP
        server); one ticket's go one after the other, in the order they were due.
        """
        by_ticket: dict[str, list[dict[str, Any]]] = {}
        for document in await self._store.due(self._clock(), _BATCH):
            by_ticket.setdefault(str(document.get("ticket_id")), []).append(document)
        gate = asyncio.Semaphore(_IN_FLIGHT)

        async def one_ticket(documents: list[dict[str, Any]]) -> int:
            attempted = 0
            async with gate:
                for document in documents:
                    claimed = await self._store.claim(document["_id"], self._clock(), self._lease)
                    if claimed is None:
                        continue
                    attempted += 1
                    await self._attempt(claimed)
            return attempted

        results = await asyncio.gather(
            *(one_ticket(d) for d in by_ticket.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result  # MongoDB away: the loop logs it and looks again later
        return sum(r for r in results if isinstance(r, int))

    async def _attempt(self, document: dict[str, Any]) -> None:
        attempts = int(document.get("attempts", 0)) + 1
        channel = document["channel"]
        try:
            await self._deliver(document)
        except Exception as error:
            now = self._clock()
            reason = f"{type(error).__name__}: {error}"[:1000]
            permanent = isinstance(error, PermanentFailure)
            if permanent or self._policy.gives_up_after(attempts):
                await self._store.mark_failed(document["_id"], attempts, reason, now, None)
                NOTIFICATIONS_DELIVERED.labels(channel, "dead").inc()
                log.error(
                    "notification dead",
                    notification=document["_id"],
                    kind=document["kind"],
                    attempts=attempts,
                    error=reason,
                )
                return
            retry_at = now + timedelta(seconds=self._policy.delay_after(attempts))
            await self._store.mark_failed(document["_id"], attempts, reason, now, retry_at)
            NOTIFICATIONS_DELIVERED.labels(channel, "retry").inc()
            log.warning(
                "notification not sent; will retry",
                notification=document["_id"],
                attempts=attempts,
                retry_at=retry_at.isoformat(),
                error=reason,
            )
            return
        await self._store.mark_sent(document["_id"], attempts, self._clock())
        NOTIFICATIONS_DELIVERED.labels(channel, "sent").inc()
        log.info(
            "notification sent",
            notification=document["_id"],
            kind=document["kind"],
            channel=channel,
            reference=document.get("reference"),
        )

    async def _deliver(self, document: dict[str, Any]) -> None:
        if document["channel"] == "email":
            message = self._mailer.compose(
                document["recipient"], document["email"], document["created_at"]
            )
            await self._mailer.send(message)
        elif document["channel"] == "slack":
            if self._slack is None:
                raise PermanentFailure(
                    "no Slack webhook is configured (DVIKA_NOTIFY_SLACK_WEBHOOK_URL)"
                )
            await self._slack.post(document["slack"]["payload"])
        else:
            raise PermanentFailure(f"unknown channel {document['channel']!r}")
