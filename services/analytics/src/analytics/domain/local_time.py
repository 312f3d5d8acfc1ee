"""Where an instant falls in the team's time zone: its local day, weekday and hour.

Days are ISO date strings (`2026-03-08`): they sort and compare as text, which is how the
daily buckets are filtered in MongoDB. Weekdays count from Monday = 0, as `date.weekday()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class LocalSlot:
    day: str
    weekday: int
    hour: int


def local_slot(instant: datetime, zone: ZoneInfo) -> LocalSlot:
    """The local day, weekday and hour of an aware `instant` in `zone`."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no place in time; give it a zone")
    local = instant.astimezone(zone)
    return LocalSlot(day=local.date().isoformat(), weekday=local.weekday(), hour=local.hour)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included (empty when `last` is before `first`)."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())
