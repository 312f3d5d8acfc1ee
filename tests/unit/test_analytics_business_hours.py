"""Business-hours variants of the response and resolution times: known answers in the team's
calendar (nights, weekends, holidays, a DST change), the buckets and reports that carry them,
the `clock` parameter, and where the calendar comes from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from analytics.adapters.calendar_file import InvalidCalendar, load_calendar
from analytics.adapters.report_reader import ReportReader
from analytics.domain.buckets import day_buckets
from analytics.domain.facts import EventAt, TicketFact, fact_from_document, fact_to_document, fold
from analytics.domain.reports import (
    BadQuery,
    Filters,
    ReportQuery,
    check_query,
    first_response_rows,
    resolution_rows,
)
from analytics.domain.sheets import merge_fields
from analytics.entrypoints.http_reports import router
from analytics.settings import AnalyticsSettings
from contracts.base import Event
from contracts.events import MessagePosted, StatusChanged, TicketSubmitted
from contracts.values import Customer
from kit.business_calendar import BusinessCalendar
from support.analytics_sheets import SheetsInMemory

HOUR = 3600.0
KOLKATA = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")
TEAM = BusinessCalendar(timezone="Asia/Kolkata")  # Mon-Fri 09:00-17:00 local
TICKET = UUID("00000000-0000-4000-8000-0000000000b1")


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def submitted() -> TicketSubmitted:
    return TicketSubmitted(
        reference="DVK-2001",
        customer=Customer(name="Ada", email="ada@example.com"),
        category="billing",
        priority="P2",
        subject="Charged twice",
        message_id=uuid4(),
        message="Twice!",
        channel="web",
    )


def reply() -> MessagePosted:
    return MessagePosted(
        message_id=uuid4(), author="agent", message="On it", channel="web", internal=False
    )


def status(from_status: str, to_status: str) -> StatusChanged:
    return StatusChanged(from_status=from_status, to_status=to_status)


def folded(
    steps: Sequence[tuple[datetime, Event]],
    zone: ZoneInfo = KOLKATA,
    business: BusinessCalendar | None = TEAM,
) -> TicketFact:
    fact: TicketFact | None = None
    for version, (when, event) in enumerate(steps, start=1):
        result = fold(fact, EventAt(TICKET, version, when, event), zone, business)
        assert result.outcome == "applied"
        fact = result.fact
    assert fact is not None
    return fact


# --- known answers --------------------------------------------------------------------------

# 2026-11-20 is a Friday, 2026-11-23 the Monday after it.


def test_opened_friday_at_closing_answered_monday_at_ten_is_one_business_hour() -> None:
    fact = folded(
        [
            (local(KOLKATA, 2026, 11, 20, 17), submitted()),
            (local(KOLKATA, 2026, 11, 23, 10), reply()),
        ]
    )
    assert fact.first_response_s == 65 * HOUR  # the whole weekend, in calendar time
    assert fact.first_response_business_s == 1 * HOUR  # Monday 09:00-10:00 only


def test_opened_friday_afternoon_resolved_tuesday_noon() -> None:
    fact = folded(
        [
            (local(KOLKATA, 2026, 11, 20, 15, 30), submitted()),
            (local(KOLKATA, 2026, 11, 20, 16), reply()),
            (local(KOLKATA, 2026, 11, 24, 12), status("new", "resolved")),
        ]
    )
    assert fact.first_response_business_s == 0.5 * HOUR
    # Friday 15:30-17:00, all of Monday, Tuesday 09:00-12:00.
    assert fact.resolution_business_s == (1.5 + 8 + 3) * HOUR
    assert fact.resolution_s == (4 * 24 - 3.5) * HOUR


def test_a_night_and_a_weekend_count_nothing() -> None:
    fact = folded(
        [
            (local(KOLKATA, 2026, 11, 21, 10), submitted()),  # Saturday
            (local(KOLKATA, 2026, 11, 22, 23), reply()),  # Sunday night
        ]
    )
    assert fact.first_response_s == 37 * HOUR
    assert fact.first_response_business_s == 0.0


def test_a_holiday_is_skipped() -> None:
    holiday = BusinessCalendar(timezone="Asia/Kolkata", holidays=frozenset({date(2026, 11, 23)}))
    fact = folded(
        [
            (local(KOLKATA, 2026, 11, 20, 17), submitted()),
            (local(KOLKATA, 2026, 11, 24, 10), reply()),
        ],
        business=holiday,
    )
    assert fact.first_response_business_s == 1 * HOUR  # Tuesday 09:00-10:00


def test_across_the_spring_dst_change_the_weekend_is_an_hour_shorter() -> None:
    # New York springs forward on Sunday 8 March 2026: Friday 16:00 EST to Monday 10:00 EDT
    # is 65 hours (the wall clocks say 66), of which 2 are business hours.
    fact = folded(
        [
            (local(NEW_YORK, 2026, 3, 6, 16), submitted()),
            (local(NEW_YORK, 2026, 3, 9, 10), reply()),
        ],
        zone=NEW_YORK,
        business=BusinessCalendar(timezone="America/New_York"),
    )
    assert fact.first_response_s == 65 * HOUR
    assert fact.first_response_business_s == 2 * HOUR
    assert fact.created_day == "2026-03-06"


def test_without_a_calendar_the_sla_defaults_in_the_team_zone_apply() -> None:
    fact = folded(
        [
            (local(KOLKATA, 2026, 11, 20, 17), submitted()),
            (local(KOLKATA, 2026, 11, 23, 10), reply()),
        ],
        business=None,
    )
    assert fact.first_response_business_s == 1 * HOUR


def test_a_reopen_clears_the_business_resolution_until_the_next_one() -> None:
    steps: list[tuple[datetime, Event]] = [
        (local(KOLKATA, 2026, 11, 23, 9), submitted()),
        (local(KOLKATA, 2026, 11, 23, 11), status("new", "resolved")),
        (local(KOLKATA, 2026, 11, 23, 12), status("resolved", "open")),
    ]
    reopened = folded(steps)
    assert reopened.resolution_business_s is None
    assert reopened.resolution_s is None
    again = folded([*steps, (local(KOLKATA, 2026, 11, 24, 10), status("open", "resolved"))])
    assert again.resolution_business_s == 9 * HOUR  # Monday 09:00-17:00, Tuesday 09:00-10:00


def test_the_business_durations_round_trip_through_the_document() -> None:
    fact = folded(
        [
            (local(KOLKATA, 2026, 11, 20, 17), submitted()),
            (local(KOLKATA, 2026, 11, 23, 10), reply()),
        ]
    )
    document = fact_to_document(fact)
    assert document["first_response_business_s"] == HOUR
    assert document["resolution_business_s"] is None
    assert fact_from_document(document) == fact
    # A fact stored before the business durations existed reads as "not known".
    del document["first_response_business_s"], document["resolution_business_s"]
    assert fact_from_document(document).first_response_business_s is None


# --- buckets and reports --------------------------------------------------------------------


def _facts() -> list[TicketFact]:
    # Three tickets of Friday 20 November: answered after the weekend, within the hour, and
    # (the third) resolved on Monday.
    made = []
    for opened, answered in (
        (local(KOLKATA, 2026, 11, 20, 17), local(KOLKATA, 2026, 11, 23, 10)),
        (local(KOLKATA, 2026, 11, 20, 10), local(KOLKATA, 2026, 11, 20, 10, 30)),
        (local(KOLKATA, 2026, 11, 20, 16), local(KOLKATA, 2026, 11, 23, 9, 30)),
    ):
        made.append(folded([(opened, submitted()), (answered, reply())]))
    resolved = folded(
        [
            (local(KOLKATA, 2026, 11, 20, 16), submitted()),
            (local(KOLKATA, 2026, 11, 23, 11), status("new", "resolved")),
        ]
    )
    return [*made, resolved]


def _whole_day(buckets: list[dict[str, Any]]) -> dict[str, Any]:
    """Every bucket of the day added up, as the report sheets add them."""
    total: dict[str, Any] = {"day": buckets[0]["day"], "weekday": buckets[0]["weekday"]}
    for bucket in buckets:
        merge_fields(
            total, bucket, [k for k, v in bucket.items() if isinstance(v, int | float | dict)]
        )
    return total


def test_buckets_keep_both_clocks_and_their_sums_agree() -> None:
    buckets = day_buckets("2026-11-20", _facts())
    everything = _whole_day(buckets)
    assert everything["frt_count"] == everything["frt_business_count"] == 3
    assert everything["frt_business_sum_s"] == (1 + 0.5 + 1.5) * HOUR
    assert everything["frt_sum_s"] == (65 + 0.5 + 65.5) * HOUR
    assert everything["res_business_count"] == 1
    assert everything["res_business_sum_s"] == 3 * HOUR  # Friday 16-17, Monday 09-11
    assert sum(sum(b["frt_business_hist"].values()) for b in buckets) == 3


def test_the_reports_read_the_clock_they_are_asked_for() -> None:
    everything = [_whole_day(day_buckets("2026-11-20", _facts()))]
    day = date(2026, 11, 20)
    now = datetime(2026, 11, 25, tzinfo=UTC)
    calendar = first_response_rows(
        ReportQuery("first_response_time", day, day, "none"), everything, now
    )
    business = first_response_rows(
        ReportQuery("first_response_time", day, day, "none", clock="business"), everything, now
    )
    assert calendar[0]["avg_s"] == round((65 + 0.5 + 65.5) * HOUR / 3, 3)
    assert business[0]["avg_s"] == HOUR
    assert business[0]["count"] == 3
    # Within one histogram bin (under 10 %) of the exact median, 1 hour.
    assert business[0]["median_s"] == pytest.approx(HOUR, rel=0.1)
    resolution = resolution_rows(
        ReportQuery("resolution_time", day, day, "none", clock="business"), everything, now
    )
    assert [(r["count"], r["avg_s"]) for r in resolution] == [(1, 3 * HOUR)]


@pytest.mark.parametrize(
    ("metric", "clock", "reason"),
    [
        ("volume", "business", "`clock` applies to"),
        ("heatmap", "calendar", "`clock` applies to"),
        ("resolution_time", "wall", "calendar or business"),
    ],
)
def test_a_clock_where_it_cannot_apply_is_refused(metric: str, clock: str, reason: str) -> None:
    with pytest.raises(BadQuery, match=reason):
        check_query(
            metric,
            today=date(2026, 11, 25),
            first=None,
            last=None,
            group_by=None,
            interval=None,
            filters=Filters(),
            clock=clock,
        )


def test_the_clock_defaults_to_calendar_time() -> None:
    query = check_query(
        "first_response_time",
        today=date(2026, 11, 25),
        first=None,
        last=None,
        group_by=None,
        interval=None,
        filters=Filters(),
    )
    assert query.clock == "calendar"


# --- over HTTP ------------------------------------------------------------------------------


@pytest.fixture
def day_store() -> SheetsInMemory:
    return SheetsInMemory(day_buckets("2026-11-20", _facts()))


@pytest.fixture
async def client(day_store: SheetsInMemory) -> AsyncIterator[httpx.AsyncClient]:
    from fastapi import FastAPI

    app = FastAPI()
    app.state.report_reader = ReportReader(day_store)
    app.state.zone = KOLKATA
    app.state.clock = lambda: datetime(2026, 11, 25, 6, tzinfo=UTC)
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as made:
        yield made


RANGE = {"from": "2026-11-20", "to": "2026-11-20"}


async def test_clock_business_over_http_and_as_csv(
    client: httpx.AsyncClient, day_store: SheetsInMemory
) -> None:
    answer = await client.get("/reports/first_response_time", params={**RANGE, "clock": "business"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["clock"] == "business"
    assert [(r["count"], r["avg_s"]) for r in body["rows"]] == [(3, HOUR)]
    assert day_store.asked[-1] == ["2026-11-20|base|frt_business"]
    default = (await client.get("/reports/first_response_time", params=RANGE)).json()
    assert default["clock"] == "calendar"
    assert default["rows"][0]["avg_s"] > 40 * HOUR
    csv_answer = await client.get(
        "/reports/resolution_time", params={**RANGE, "clock": "business", "format": "csv"}
    )
    assert csv_answer.status_code == 200
    assert "resolution_time_business_2026-11-20" in csv_answer.headers["content-disposition"]
    lines = csv_answer.text.splitlines()
    assert lines[0] == "group,count,avg_s,median_s,p90_s"
    assert lines[1].startswith("all,1,10800.0,")


async def test_a_bad_clock_answers_422_with_the_reason(client: httpx.AsyncClient) -> None:
    answer = await client.get("/reports/volume", params={**RANGE, "clock": "business"})
    assert answer.status_code == 422
    assert "`clock` applies to" in answer.json()["detail"]
    other = (await client.get("/reports/volume", params=RANGE)).json()
    assert other["clock"] is None


# --- where the calendar comes from ----------------------------------------------------------


def test_no_file_gives_the_sla_defaults_in_the_team_zone() -> None:
    calendar = load_calendar(None, timezone=None, default_zone="Asia/Kolkata")
    assert calendar == BusinessCalendar("Asia/Kolkata", frozenset(range(5)), time(9), time(17))


def test_the_sla_policies_file_gives_its_calendar(tmp_path: Path) -> None:
    path = tmp_path / "policies.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "warning_lead_minutes": 30,
                "calendar": {
                    "timezone": "Europe/Berlin",
                    "weekdays": ["mon", "tue", "wed", "thu"],
                    "hours": {"start": "08:00", "end": "16:30"},
                    "holidays": ["2026-12-24"],
                },
                "policies": {"P1": {"first_response_minutes": 60}},
            }
        )
    )
    calendar = load_calendar(path, timezone=None, default_zone="UTC")
    assert calendar.timezone == "Europe/Berlin"
    assert calendar.weekdays == frozenset(range(4))
    assert (calendar.opens, calendar.closes) == (time(8), time(16, 30))
    assert calendar.holidays == frozenset({date(2026, 12, 24)})
    # The timezone setting wins over the file's, as DVIKA_SLA_TIMEZONE does for the SLA.
    assert load_calendar(path, timezone="Asia/Kolkata", default_zone="UTC").timezone == (
        "Asia/Kolkata"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("calendar: [unclosed", "not YAML"),
        ("- a list", "a mapping"),
        ("calendar: {weekdays: [funday]}", "calendar.weekdays"),
        ("calendar: {hours: {start: '18:00', end: '09:00'}}", "open before it closes"),
        ("calendar: {timezone: Nowhere/Town}", "calendar"),
        ("calendar: {surprise: 1}", "surprise"),
    ],
)
def test_a_bad_calendar_file_is_refused_naming_it(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(content)
    with pytest.raises(InvalidCalendar, match=reason) as raised:
        load_calendar(path, timezone=None, default_zone="UTC")
    assert "team.yaml" in str(raised.value)
    with pytest.raises(InvalidCalendar, match="cannot read"):
        load_calendar(tmp_path / "missing.yaml", timezone=None, default_zone="UTC")


def test_settings_read_the_sla_variables_unless_their_own_are_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("DVIKA_ANALYTICS_CALENDAR_FILE", "DVIKA_ANALYTICS_CALENDAR_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DVIKA_SLA_POLICIES_FILE", raising=False)
    monkeypatch.delenv("DVIKA_SLA_TIMEZONE", raising=False)
    defaults = AnalyticsSettings()
    assert (defaults.calendar_file, defaults.calendar_timezone) == (None, None)
    monkeypatch.setenv("DVIKA_SLA_POLICIES_FILE", str(tmp_path / "sla.yaml"))
    monkeypatch.setenv("DVIKA_SLA_TIMEZONE", "Asia/Kolkata")
    shared = AnalyticsSettings()
    assert shared.calendar_file == tmp_path / "sla.yaml"
    assert shared.calendar_timezone == "Asia/Kolkata"
    monkeypatch.setenv("DVIKA_ANALYTICS_CALENDAR_FILE", str(tmp_path / "own.yaml"))
    monkeypatch.setenv("DVIKA_ANALYTICS_CALENDAR_TIMEZONE", "Europe/Berlin")
    own = AnalyticsSettings()
    assert own.calendar_file == tmp_path / "own.yaml"
    assert own.calendar_timezone == "Europe/Berlin"
    monkeypatch.setenv("DVIKA_ANALYTICS_CALENDAR_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="time zone"):
        AnalyticsSettings()


def test_working_seconds_is_exact_over_a_long_stretch() -> None:
    # Four full weeks from a Monday's opening: 20 working days of 8 hours.
    start = local(KOLKATA, 2026, 11, 2, 9)
    assert TEAM.working_seconds(start, start + timedelta(weeks=4)) == 20 * 8 * HOUR
