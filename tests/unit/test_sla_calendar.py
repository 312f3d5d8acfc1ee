"""Working time: business hours over nights, weekends, holidays and DST changes; 24x7 time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.business_calendar import AlwaysOpen, BusinessCalendar

HOUR = 3600.0
OFFICE = BusinessCalendar()  # UTC, Mon-Fri 09:00-17:00
# 2026-11-23 is a Monday.
MON = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0, zone: str = "UTC") -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone))


def test_time_inside_one_working_day_is_plain_addition() -> None:
    assert OFFICE.add(at(MON, 10), 2 * HOUR) == at(MON, 12)
    assert OFFICE.working_seconds(at(MON, 10), at(MON, 12)) == 2 * HOUR


def test_time_before_opening_starts_counting_at_opening() -> None:
    assert OFFICE.add(at(MON, 6), HOUR) == at(MON, 10)
    assert OFFICE.working_seconds(at(MON, 6), at(MON, 10)) == HOUR


def test_what_is_left_at_closing_carries_to_the_next_morning() -> None:
    assert OFFICE.add(at(MON, 16), 2 * HOUR) == at(MON + timedelta(days=1), 10)
    assert OFFICE.add(at(MON, 20), HOUR) == at(MON + timedelta(days=1), 10)


def test_a_friday_afternoon_target_falls_due_on_monday() -> None:
    friday = date(2026, 11, 27)
    assert OFFICE.add(at(friday, 15), 4 * HOUR) == at(date(2026, 11, 30), 11)
    assert OFFICE.working_seconds(at(friday, 15), at(date(2026, 11, 30), 11)) == 4 * HOUR


def test_a_target_ending_exactly_at_closing_is_due_at_closing() -> None:
    assert OFFICE.add(at(MON, 9), 8 * HOUR) == at(MON, 17)


def test_holidays_are_skipped() -> None:
    # Thursday 2026-11-26 is a holiday: Wednesday 16:00 + 2 h is Friday 10:00.
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 11, 26)}))
    assert calendar.add(at(date(2026, 11, 25), 16), 2 * HOUR) == at(date(2026, 11, 27), 10)
    whole_holiday = calendar.working_seconds(at(date(2026, 11, 26), 0), at(date(2026, 11, 27), 0))
    assert whole_holiday == 0


def test_a_weekend_and_a_holiday_together() -> None:
    # Friday 16:00, Monday a holiday: 3 h of work ends Tuesday 11:00.
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 11, 30)}))
    assert calendar.add(at(date(2026, 11, 27), 16), 3 * HOUR) == at(date(2026, 12, 1), 11)


def test_hours_are_local_to_the_calendar_zone() -> None:
    berlin = BusinessCalendar(timezone="Europe/Berlin")
    # 09:00 in Berlin in November is 08:00 UTC.
    assert berlin.add(at(MON, 7), HOUR) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_dst_change_keeps_local_hours() -> None:
    # New York leaves DST on Sunday 2026-11-01: Friday 16:00 EDT + 2 h = Monday 10:00 EST.
    ny = BusinessCalendar(timezone="America/New_York")
    due = ny.add(at(date(2026, 10, 30), 16, zone="America/New_York"), 2 * HOUR)
    assert due == at(date(2026, 11, 2), 10, zone="America/New_York")
    assert due == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_a_24_hour_calendar_on_a_dst_day_counts_real_seconds() -> None:
    # Every day, 00:00-23:59 local: the day DST starts in Berlin has one hour less of work.
    always = BusinessCalendar(
        timezone="Europe/Berlin", weekdays=frozenset(range(7)), opens=time(0), closes=time(23, 59)
    )
    spring = date(2026, 3, 29)
    worked = always.working_seconds(
        at(spring, 0, zone="Europe/Berlin"), at(spring, 23, 59, zone="Europe/Berlin")
    )
    assert worked == (23 * 60 - 1) * 60  # 23:59 of wall clock minus the skipped hour


def test_results_are_utc_and_naive_input_is_refused() -> None:
    assert OFFICE.add(at(MON, 10, zone="Europe/Paris"), 0).tzinfo == UTC
    with pytest.raises(ValueError, match="naive"):
        OFFICE.add(datetime(2026, 11, 23, 10), HOUR)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="open before"):
        BusinessCalendar(opens=time(17), closes=time(9))
    with pytest.raises(ValueError, match="weekdays"):
        BusinessCalendar(weekdays=frozenset())
    with pytest.raises(KeyError):
        BusinessCalendar(timezone="Mars/Olympus_Mons")


def test_calendar_time_counts_every_second() -> None:
    always = AlwaysOpen()
    saturday_night = at(date(2026, 11, 28), 23)
    assert always.add(saturday_night, 2 * HOUR) == saturday_night + timedelta(hours=2)
    assert always.working_seconds(saturday_night, saturday_night - timedelta(hours=1)) == 0


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(start=instants, seconds=st.integers(min_value=0, max_value=200 * 3600))
def test_add_and_working_seconds_are_inverse(start: datetime, seconds: int) -> None:
    calendar = BusinessCalendar(
        timezone="Europe/London", holidays=frozenset({date(2026, 12, 25), date(2027, 1, 1)})
    )
    due = calendar.add(start, seconds)
    assert due >= start
    assert calendar.working_seconds(start, due) == pytest.approx(seconds, abs=1e-3)
