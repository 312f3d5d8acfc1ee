"""The managers' daily digest: when it runs, which day it covers, what it says.

Its figures (volume, response and resolution times, satisfaction, SLA, backlog) come from the
analytics reports API, the same numbers the console's Stats panel shows, through the
`ReportsSource` port. If the reports cannot be had, the digest says the figures are
unavailable: it never guesses them from notify's own records. The lists of the day's new,
breached and escalated tickets come from notify's own ticket facts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

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


# --- figures from the reports API ------------------------------------------------------------


class ReportsUnavailable(Exception):
    """The reports could not be had (not reachable, an error, an answer of the wrong shape)."""


class ReportsSource(Protocol):
    """`GET /reports/{metric}` of the analytics service: the JSON body of one report."""

    async def report(self, metric: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        """The report's body; raises `ReportsUnavailable` when it cannot be had."""
        ...


# Each figure's report: (metric, parameters besides the day).
FIGURE_REPORTS: dict[str, tuple[str, dict[str, str]]] = {
    "volume": ("volume", {"group_by": "none"}),
    "first_response": ("first_response_time", {"group_by": "none"}),
    "first_response_business": ("first_response_time", {"group_by": "none", "clock": "business"}),
    "resolution": ("resolution_time", {"group_by": "none"}),
    "resolution_business": ("resolution_time", {"group_by": "none", "clock": "business"}),
    "csat": ("csat", {"group_by": "none"}),
    "sla": ("sla", {"group_by": "none"}),
    "backlog": ("backlog", {"group_by": "none"}),
}


@dataclass(frozen=True)
class Duration:
    count: int
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class DigestFigures:
    """The day's figures as the reports give them (tickets created on `day`, in `timezone`)."""

    day: date
    timezone: str
    created: int
    first_response: Duration
    first_response_business: Duration
    resolution: Duration
    resolution_business: Duration
    rated: int
    share_good: float | None
    sla_tracked: int
    sla_breached: int
    attainment: float | None
    open_now: int
    open_over_a_week: int


def figures_day(run_at: datetime, zone: tzinfo) -> date:
    """The day the figures cover: the local day before the digest's run."""
    return run_at.astimezone(zone).date() - timedelta(days=1)


async def fetch_figures(source: ReportsSource, day: date) -> DigestFigures | None:
    """The figures of `day` from the reports, or None when any of them cannot be had."""
    params = {"from": day.isoformat(), "to": day.isoformat()}
    names = list(FIGURE_REPORTS)
    try:
        bodies = await asyncio.gather(
            *(
                source.report(FIGURE_REPORTS[name][0], {**params, **FIGURE_REPORTS[name][1]})
                for name in names
            )
        )
        return figures_from_reports(day, dict(zip(names, bodies, strict=True)))
    except ReportsUnavailable:
        return None


def figures_from_reports(day: date, reports: Mapping[str, Mapping[str, Any]]) -> DigestFigures:
    """`DigestFigures` from the report bodies named as in `FIGURE_REPORTS`; a body of the
    wrong shape raises `ReportsUnavailable` (figures are shown whole or not at all)."""
    try:
        csat = _only_row(reports["csat"])
        sla = _only_row(reports["sla"])
        backlog = reports["backlog"]["rows"]
        return DigestFigures(
            day=day,
            timezone=str(reports["volume"]["timezone"]),
            created=sum(int(row["count"]) for row in reports["volume"]["rows"]),
            first_response=_duration(reports["first_response"]),
            first_response_business=_duration(reports["first_response_business"]),
            resolution=_duration(reports["resolution"]),
            resolution_business=_duration(reports["resolution_business"]),
            rated=int(csat.get("rated", 0)),
            share_good=_optional_float(csat.get("share_good")),
            sla_tracked=int(sla.get("sla_tracked", 0)),
            sla_breached=int(sla.get("breached", 0)),
            attainment=_optional_float(sla.get("attainment")),
            open_now=sum(int(row["count"]) for row in backlog),
            open_over_a_week=sum(int(row["count"]) for row in backlog if row["age"] == ">7d"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReportsUnavailable(f"a report of an unexpected shape: {error!r}") from error


def _only_row(body: Mapping[str, Any]) -> Mapping[str, Any]:
    # group_by=none: one row, or none at all when no ticket of the day counts.
    rows = body["rows"]
    return rows[0] if rows else {}


def _duration(body: Mapping[str, Any]) -> Duration:
    row = _only_row(body)
    return Duration(
        int(row.get("count", 0)),
        _optional_float(row.get("median_s")),
        _optional_float(row.get("p90_s")),
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def format_duration(seconds: float | None) -> str:
    """`2 h 05 min`, `45 min`, `3 d 4 h`; `-` when there is none."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"


def figure_lines(figures: DigestFigures) -> list[dict[str, str]]:
    """The figures as label/value lines, ready for the mail."""

    def times(calendar: Duration, business: Duration) -> str:
        if not calendar.count:
            return "none yet"
        return (
            f"median {format_duration(calendar.median_s)} "
            f"({format_duration(business.median_s)} in business hours), "
            f"90th percentile {format_duration(calendar.p90_s)}, {calendar.count} tickets"
        )

    satisfaction = (
        f"{_percent(figures.share_good)} good of {figures.rated} rated"
        if figures.rated
        else "no ratings"
    )
    sla = (
        f"{figures.sla_breached} of {figures.sla_tracked} breached "
        f"({_percent(figures.attainment)} met)"
        if figures.sla_tracked
        else "no tickets with SLA targets"
    )
    return [
        {"label": "Tickets created", "value": str(figures.created)},
        {
            "label": "First response",
            "value": times(figures.first_response, figures.first_response_business),
        },
        {"label": "Resolution", "value": times(figures.resolution, figures.resolution_business)},
        {"label": "Satisfaction", "value": satisfaction},
        {"label": "SLA", "value": sla},
        {
            "label": "Open now",
            "value": f"{figures.open_now} ({figures.open_over_a_week} older than a week)",
        },
    ]


# --- the mail -----------------------------------------------------------------------------------


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
    figures: DigestFigures | None = None,
) -> list[Intent]:
    """One digest mail per active manager with an email (sent even on a quiet day: a
    digest that did not come is indistinguishable from one that was lost). `figures` None:
    the reports could not be had, and the mail says so."""
    context = {
        "figures": figure_lines(figures) if figures is not None else None,
        "figures_day": figures.day.isoformat() if figures is not None else None,
        "figures_timezone": figures.timezone if figures is not None else None,
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
