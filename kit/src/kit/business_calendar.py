"""Working time: a business calendar (zone, weekdays, daily hours, holidays) and 24x7 time.

Shared by the sla service (its clocks) and analytics (business-hours variants of the
response and resolution times), so both count a working hour the same way. Pure: no clock,
no I/O, standard library and pydantic only (the import rules let domain code use it).
Every instant in and out is timezone-aware; results are in UTC. Arithmetic is done on UTC
instants only: subtracting two datetimes that share a ZoneInfo compares wall clocks, which is
wrong across a DST change.

`CalendarSpec` is the `calendar:` section of the SLA policies file (YAML), so one file can
describe the team's calendar to every service that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

_DAY = timedelta(days=1)
# A target longer than this many calendar days of stepping is a configuration error.
_MAX_DAYS = 3660
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WorkingTime(Protocol):
    """How time is counted: `add` and `working_seconds` must be inverse of each other."""

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant after `seconds` of working time counted from `start`."""
        ...

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds between `start` and `end` (0 when end is not after start)."""
        ...


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: pass an aware instant")
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class AlwaysOpen:
    """Calendar time: every second counts (P1 policies)."""

    def add(self, start: datetime, seconds: float) -> datetime:
        return _aware(start) + timedelta(seconds=max(seconds, 0.0))

    def working_seconds(self, start: datetime, end: datetime) -> float:
        return max((_aware(end) - _aware(start)).total_seconds(), 0.0)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours `opens`-`closes` local time on `weekdays` (0 = Monday), minus `holidays`."""

    timezone: str = "UTC"
    weekdays: frozenset[int] = frozenset(range(5))
    opens: time = time(9)
    closes: time = time(17)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises for an unknown zone name
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty subset of 0 (Monday) .. 6 (Sunday)")
        if self.opens >= self.closes:
            raise ValueError("the working day must open before it closes")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def add(self, start: datetime, seconds: float) -> datetime:
        start = _aware(start)
        remaining = max(seconds, 0.0)
        if remaining == 0:
            return start
        for opens, closes in self._windows_from(start):
            begin = max(start, opens)
            available = (closes - begin).total_seconds()
            if available <= 0:
                continue
            if remaining <= available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        raise ValueError(f"no working time within {_MAX_DAYS} days of {start.isoformat()}")

    def working_seconds(self, start: datetime, end: datetime) -> float:
        start, end = _aware(start), _aware(end)
        total = 0.0
        if end <= start:
            return total
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(overlap, 0.0)
        return total

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def _windows_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Each working day's (opens, closes) in UTC, from the local day of `start` on."""
        zone = self.zone
        day = start.astimezone(zone).date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                # ZoneInfo resolves a wall time in a DST gap or fold (fold=0: the first).
                opens = datetime.combine(day, self.opens, zone).astimezone(UTC)
                closes = datetime.combine(day, self.closes, zone).astimezone(UTC)
                if closes > opens:
                    yield opens, closes
            day += _DAY


# --- the file's shape ------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoursSpec(_Strict):
    start: time
    end: time


class CalendarSpec(_Strict):
    """The `calendar:` section of a policies file; every field has the shipped default."""

    timezone: str | None = None
    weekdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: HoursSpec = HoursSpec(start=time(9), end=time(17))
    holidays: tuple[date, ...] = ()

    def build(self, *, timezone: str | None = None, default_zone: str = "UTC") -> BusinessCalendar:
        """The calendar: in `timezone` if given, else the section's own, else `default_zone`.

        Raises ValueError (or KeyError, `ZoneInfoNotFoundError`, for an unknown zone).
        """
        return BusinessCalendar(
            timezone=timezone or self.timezone or default_zone,
            weekdays=frozenset(WEEKDAY_NAMES.index(day) for day in self.weekdays),
            opens=self.hours.start,
            closes=self.hours.end,
            holidays=frozenset(self.holidays),
        )
