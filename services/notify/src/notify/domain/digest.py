"""The managers' daily digest: when it runs, which day it covers, what it says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from notify.domain.links import Links
from notify.domain.notifications import Intent
from notify.domain.roster import Roster
from notify.domain.ticket_facts import TicketFacts

WINDOW = timedelta(days=1)


def next_run(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The first moment at or after `now` when the local clock in `zone` shows `at`."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate < local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate


def last_run(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The latest scheduled moment at or before `now`."""
    upcoming = next_run(now, at, zone)
    if upcoming == now.astimezone(zone):
        return upcoming
    return datetime.combine(upcoming.date() - timedelta(days=1), at, tzinfo=zone)


@dataclass(frozen=True)
class DigestDay:
    """The digest made at `run_at`, covering the day before it."""

    run_at: datetime

    @property
    def since(self) -> datetime:
        return self.run_at - WINDOW

    @property
    def source_id(self) -> str:
        # One digest per scheduled run, whichever replica makes it.
        return f"digest:{self.run_at.date().isoformat()}"


def _rows(tickets: Sequence[TicketFacts], links: Links) -> list[dict[str, Any]]:
    return [
        {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "priority": ticket.priority,
            "status": ticket.status,
            "console_url": links.console_ticket_url(ticket.ticket_id),
        }
        for ticket in sorted(tickets, key=lambda t: (t.priority, t.reference))
    ]


def digest_intents(
    day: DigestDay,
    roster: Roster,
    links: Links,
    *,
    new: Sequence[TicketFacts],
    breached: Sequence[TicketFacts],
    escalated: Sequence[TicketFacts],
) -> list[Intent]:
    """One digest mail per active manager with an email (sent even on a quiet day: a
    digest that did not come is indistinguishable from one that was lost)."""
    context = {
        "since": day.since,
        "until": day.run_at,
        "new": _rows(new, links),
        "breached": _rows(breached, links),
        "escalated": _rows(escalated, links),
        "console_url": f"{links.console_url.rstrip('/')}/admin",
    }
    return [
        Intent(
            "digest",
            "email",
            manager.email or "",
            "manager",
            day.source_id,
            None,
            {**context, "manager_name": manager.name},
        )
        for manager in roster.managers()
    ]
