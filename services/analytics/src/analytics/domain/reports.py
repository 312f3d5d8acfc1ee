"""The reports, each a list of rows computed from daily buckets (never from single tickets).

`ReportQuery` is what a caller asked for, already checked (`check_query`); each metric's
function takes the buckets of the asked days (filters applied by the store) and returns rows.
Durations are in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

from analytics.domain.histogram import Histogram, merge_into, percentile
from analytics.domain.local_time import days_between, week_start

Metric = Literal[
    "first_response_time",
    "resolution_time",
    "volume",
    "csat",
    "heatmap",
    "sla",
    "backlog",
    "agent_load",
]
GroupBy = Literal["agent", "queue", "priority", "channel", "category", "none"]
Interval = Literal["daily", "weekly"]
# How durations are counted: every second, or only the business calendar's working hours.
Clock = Literal["calendar", "business"]

METRICS: tuple[str, ...] = get_args(Metric)
GROUPINGS: tuple[str, ...] = get_args(GroupBy)
CLOCKS: tuple[str, ...] = get_args(Clock)
# The reports that can count business hours instead of calendar time.
CLOCKED = frozenset({"first_response_time", "resolution_time"})
# Longest range one request may ask for: a report over more is a job for a BI tool.
MAX_RANGE_DAYS = 731
DEFAULT_RANGE_DAYS = 30
COMMENTS_PER_ROW = 10
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
AGE_BUCKETS = ("<1d", "1-3d", "3-7d", ">7d")

# Which bucket field each grouping reads.
_FIELD = {
    "agent": "assignee",
    "queue": "queue",
    "priority": "priority",
    "channel": "channel",
    "category": "category",
}
# The groupings each metric accepts; the first is its default.
ALLOWED_GROUPINGS: dict[str, tuple[str, ...]] = {
    "first_response_time": ("none", "agent", "queue", "priority", "channel", "category"),
    "resolution_time": ("none", "agent", "queue", "priority", "channel", "category"),
    "volume": ("none", "channel", "category", "queue", "priority", "agent"),
    "csat": ("none", "agent", "queue", "priority", "channel", "category"),
    "heatmap": ("none",),
    "sla": ("queue", "none", "agent", "priority", "channel", "category"),
    "backlog": ("none", "queue", "priority", "channel", "category", "agent"),
    "agent_load": ("agent",),
}
# Reports of tickets open now: the date range does not apply to them.
AS_OF_NOW = frozenset({"backlog", "agent_load"})


class BadQuery(ValueError):
    """A report request that cannot be answered; the message says why (HTTP 422)."""


@dataclass(frozen=True)
class Filters:
    queue: str | None = None
    priority: str | None = None
    channel: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class ReportQuery:
    metric: str
    first: date
    last: date
    group_by: str
    interval: str = "daily"
    filters: Filters = field(default_factory=Filters)
    clock: str = "calendar"


def check_query(
    metric: str,
    *,
    today: date,
    first: date | None,
    last: date | None,
    group_by: str | None,
    interval: str | None,
    filters: Filters,
    clock: str | None = None,
) -> ReportQuery:
    """The query as the report will run it, or `BadQuery` saying what is wrong."""
    if metric not in METRICS:
        raise BadQuery(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    last = last or today
    first = first or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise BadQuery(f"`from` ({first}) is after `to` ({last})")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise BadQuery(f"the range is longer than {MAX_RANGE_DAYS} days")
    allowed = ALLOWED_GROUPINGS[metric]
    grouping = group_by or allowed[0]
    if grouping not in allowed:
        raise BadQuery(f"{metric} groups by {', '.join(allowed)}, not {grouping!r}")
    if interval is not None and metric != "volume":
        raise BadQuery("`interval` applies to the volume report only")
    chosen = interval or "daily"
    if chosen not in get_args(Interval):
        raise BadQuery(f"`interval` is daily or weekly, not {chosen!r}")
    if clock is not None and metric not in CLOCKED:
        raise BadQuery(f"`clock` applies to {' and '.join(sorted(CLOCKED))} only")
    counted = clock or "calendar"
    if counted not in CLOCKS:
        raise BadQuery(f"`clock` is calendar or business, not {counted!r}")
    return ReportQuery(metric, first, last, grouping, chosen, filters, counted)


Bucket = Mapping[str, Any]
Row = dict[str, Any]


def _group_of(bucket: Bucket, group_by: str) -> str | None:
    if group_by == "none":
        return "all"
    value = bucket.get(_FIELD[group_by])
    return None if value is None else str(value)


def _group_order(group: str | None) -> tuple[int, str]:
    # Named groups first, alphabetically; the "not set" group (None) last.
    return (group is None, group or "")


def _durations(buckets: Iterable[Bucket], group_by: str, prefix: str) -> list[Row]:
    groups: dict[str | None, tuple[list[float], Histogram]] = {}  # [count, sum], histogram
    for bucket in buckets:
        count = int(bucket.get(f"{prefix}_count", 0))
        if not count:
            continue
        totals, histogram = groups.setdefault(_group_of(bucket, group_by), ([0.0, 0.0], {}))
        totals[0] += count
        totals[1] += float(bucket.get(f"{prefix}_sum_s", 0.0))
        merge_into(histogram, bucket.get(f"{prefix}_hist", {}))
    rows = []
    for group in sorted(groups, key=_group_order):
        (tickets, total), histogram = groups[group]
        rows.append(
            {
                "group": group,
                "count": int(tickets),
                "avg_s": round(total / tickets, 3),
                "median_s": _rounded(percentile(histogram, 0.5)),
                "p90_s": _rounded(percentile(histogram, 0.9)),
            }
        )
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def duration_prefix(metric: str, clock: str) -> str:
    """The bucket fields (`<prefix>_count`, `_sum_s`, `_hist`) a duration report reads."""
    base = "frt" if metric == "first_response_time" else "res"
    return f"{base}_business" if clock == "business" else base


def first_response_rows(query: ReportQuery, buckets: Iterable[Bucket], now: datetime) -> list[Row]:
    return _durations(buckets, query.group_by, duration_prefix("first_response_time", query.clock))


def resolution_rows(query: ReportQuery, buckets: Iterable[Bucket], now: datetime) -> list[Row]:
    return _durations(buckets, query.group_by, duration_prefix("resolution_time", query.clock))


def volume_rows(query: ReportQuery, buckets: Iterable[Bucket], now: datetime) -> list[Row]:
    days = days_between(query.first, query.last)
    weekly = query.interval == "weekly"
    periods = sorted({week_start(day) for day in days}) if weekly else days
    counts: dict[tuple[str, str | None], int] = {}
    groups: set[str | None] = {"all"} if query.group_by == "none" else set()
    for bucket in buckets:
        day = date.fromisoformat(str(bucket["day"]))
        period = week_start(day) if query.interval == "weekly" else day
        group = _group_of(bucket, query.group_by)
        groups.add(group)
        key = (period.isoformat(), group)
        counts[key] = counts.get(key, 0) + int(bucket.get("created", 0))
    # Every period of every group, zeros included: a chart's axis has no holes.
    return [
        {
            "period": period.isoformat(),
            "group": group,
            "count": counts.get((period.isoformat(), group), 0),
        }
        for period in periods
        for group in sorted(groups, key=_group_order)
    ]


def csat_rows(query: ReportQuery, buckets: Iterable[Bucket], now: datetime) -> list[Row]:
    groups: dict[str | None, tuple[list[int], list[dict[str, Any]]]] = {}
    for bucket in buckets:
        good, bad = int(bucket.get("rated_good", 0)), int(bucket.get("rated_bad", 0))
        if not good and not bad:
            continue
        totals, comments = groups.setdefault(_group_of(bucket, query.group_by), ([0, 0], []))
        totals[0] += good
        totals[1] += bad
        comments.extend(bucket.get("comments") or ())
    rows = []
    for group in sorted(groups, key=_group_order):
        (good, bad), comments = groups[group]
        comments.sort(key=lambda c: (c["rated_at"], c["reference"]), reverse=True)
        rows.append(
            {
                "group": group,
                "rated": good + bad,
                "good": good,
                "bad": bad,
                "share_good": round(good / (good + bad), 4),
                "latest_comments": comments[:COMMENTS_PER_ROW],
            }
        )
    return rows


def heatmap_rows(query: ReportQuery, buckets: Iterable[Bucket], now: datetime) -> list[Row]:
    cells = [[0] * 24 for _ in range(7)]
    for bucket in buckets:
        weekday = int(bucket["weekday"])
        for hour, count in (bucket.get("hours") or {}).items():
            cells[weekday][int(hour)] += int(count)
    return [
        {"weekday": wd, "weekday_name": WEEKDAY_NAMES[wd], "hour": hour, "count": cells[wd][hour]}
        for wd in range(7)
        for hour in range(24)
    ]


def sla_rows(query: ReportQuery, buckets: Iterable[Bucket], now: datetime) -> list[Row]:
    fields = (
        "created",
        "sla_tracked",
        "sla_breached",
        "sla_first_response_breached",
        "sla_resolution_breached",
    )
    groups: dict[str | None, dict[str, int]] = {}
    for bucket in buckets:
        totals = groups.setdefault(_group_of(bucket, query.group_by), dict.fromkeys(fields, 0))
        for name in fields:
            totals[name] += int(bucket.get(name, 0))
    rows = []
    for group in sorted(groups, key=_group_order):
        t = groups[group]
        tracked = t["sla_tracked"]
        rows.append(
            {
                "group": group,
                "tickets": t["created"],
                "sla_tracked": tracked,
                "breached": t["sla_breached"],
                "first_response_breaches": t["sla_first_response_breached"],
                "resolution_breaches": t["sla_resolution_breached"],
                # Share of tickets with SLA targets that breached none; None without any.
                "attainment": round((tracked - t["sla_breached"]) / tracked, 4)
                if tracked
                else None,
            }
        )
    return rows


def age_bucket(created_day: date, today: date) -> str:
    """The backlog age bucket of a ticket created on `created_day` (whole local days)."""
    age = (today - created_day).days
    if age < 1:
        return "<1d"
    if age < 3:
        return "1-3d"
    if age < 7:
        return "3-7d"
    return ">7d"


def backlog_rows(query: ReportQuery, buckets: Iterable[Bucket], today: date) -> list[Row]:
    counts: dict[tuple[str, str | None], int] = {}
    groups: set[str | None] = {"all"} if query.group_by == "none" else set()
    for bucket in buckets:
        open_now = int(bucket.get("open", 0))
        if not open_now:
            continue
        group = _group_of(bucket, query.group_by)
        groups.add(group)
        key = (age_bucket(date.fromisoformat(str(bucket["day"])), today), group)
        counts[key] = counts.get(key, 0) + open_now
    return [
        {"age": age, "group": group, "count": counts.get((age, group), 0)}
        for age in AGE_BUCKETS
        for group in sorted(groups, key=_group_order)
    ]


def agent_load_rows(query: ReportQuery, buckets: Iterable[Bucket], today: date) -> list[Row]:
    load: dict[str | None, int] = {}
    for bucket in buckets:
        open_now = int(bucket.get("open", 0))
        if open_now:
            assignee = bucket.get("assignee")
            load[assignee] = load.get(assignee, 0) + open_now
    ordered = sorted(load.items(), key=lambda pair: (-pair[1], _group_order(pair[0])))
    return [{"assignee": assignee, "open": count} for assignee, count in ordered]


RangeReport = Callable[[ReportQuery, Iterable[Bucket], datetime], list[Row]]
NowReport = Callable[[ReportQuery, Iterable[Bucket], date], list[Row]]

RANGE_REPORTS: dict[str, RangeReport] = {
    "first_response_time": first_response_rows,
    "resolution_time": resolution_rows,
    "volume": volume_rows,
    "csat": csat_rows,
    "heatmap": heatmap_rows,
    "sla": sla_rows,
}
NOW_REPORTS: dict[str, NowReport] = {
    "backlog": backlog_rows,
    "agent_load": agent_load_rows,
}
