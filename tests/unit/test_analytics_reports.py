"""Histogram percentiles, the reports' arithmetic over buckets, query checks and CSV."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime
from typing import Any

import pytest

from analytics.domain.csv_export import rows_to_csv
from analytics.domain.histogram import (
    bin_bounds,
    bin_of,
    bin_value,
    exact_percentile,
    histogram_of,
    merge_into,
    percentile,
)
from analytics.domain.reports import (
    BadQuery,
    Filters,
    ReportQuery,
    age_bucket,
    agent_load_rows,
    backlog_rows,
    check_query,
    csat_rows,
    first_response_rows,
    sla_rows,
    volume_rows,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)


# --- histogram ----------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0, 0.3, 1, 1.09, 59, 60, 61, 3600, 86_400 * 30, 1e8])
def test_every_duration_lies_inside_its_bin(seconds: float) -> None:
    low, high = bin_bounds(bin_of(seconds))
    assert low <= seconds < high
    assert low <= bin_value(bin_of(seconds)) < high


def test_bins_are_under_ten_percent_wide() -> None:
    for index in range(1, 250):
        low, high = bin_bounds(index)
        assert high / low < 1.1
        assert bin_bounds(index + 1)[0] == pytest.approx(high)


def test_percentiles_are_within_one_bin_of_the_exact_ones() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(7, 1.5) for _ in range(2000)]
    histogram = histogram_of(values)
    for fraction in (0.01, 0.5, 0.9, 0.99, 1.0):
        exact = exact_percentile(values, fraction)
        assert exact is not None
        estimate = percentile(histogram, fraction)
        assert estimate is not None
        # The estimate stands for the very bin the exact value lies in.
        assert bin_of(estimate) == bin_of(exact)


def test_nearest_rank_and_empty_histograms() -> None:
    assert exact_percentile([1, 2, 3, 4], 0.5) == 2
    assert exact_percentile([5], 0.9) == 5
    assert exact_percentile([], 0.5) is None
    assert percentile({}, 0.5) is None
    assert percentile({"0": 3}, 0.9) == 0.5
    with pytest.raises(ValueError, match="fraction"):
        percentile({"1": 1}, 0)


def test_merged_histograms_equal_one_over_all_values() -> None:
    first, second = [3.0, 70.0, 500.0], [70.0, 9000.0]
    total = histogram_of(first)
    merge_into(total, histogram_of(second))
    assert total == histogram_of(first + second)


# --- reports over buckets -----------------------------------------------------------------


def bucket(day: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "day": day,
        "weekday": date.fromisoformat(day).weekday(),
        "channel": "web",
        "category": "billing",
        "priority": "P2",
        "queue": None,
        "assignee": None,
    }
    base.update(fields)
    return base


def query(metric: str, group_by: str = "none", **kw: Any) -> ReportQuery:
    return ReportQuery(
        metric,
        kw.get("first", date(2026, 11, 1)),
        kw.get("last", date(2026, 11, 30)),
        group_by,
        kw.get("interval", "daily"),
    )


def test_duration_report_adds_buckets_up_by_group() -> None:
    a = [60.0, 120.0, 180.0]
    b = [600.0, 6000.0]
    buckets = [
        bucket(
            "2026-11-02", queue="billing", frt_count=3, frt_sum_s=sum(a), frt_hist=histogram_of(a)
        ),
        bucket("2026-11-03", queue="tech", frt_count=2, frt_sum_s=sum(b), frt_hist=histogram_of(b)),
        bucket("2026-11-03", queue="tech", frt_count=0, frt_sum_s=0, frt_hist={}),
    ]
    by_queue = first_response_rows(query("first_response_time", "queue"), buckets, NOW)
    assert [(r["group"], r["count"], r["avg_s"]) for r in by_queue] == [
        ("billing", 3, 120.0),
        ("tech", 2, 3300.0),
    ]
    (everything,) = first_response_rows(query("first_response_time"), buckets, NOW)
    assert everything["count"] == 5
    assert everything["avg_s"] == pytest.approx(1392.0)
    assert bin_of(everything["median_s"]) == bin_of(180.0)
    assert bin_of(everything["p90_s"]) == bin_of(6000.0)


def test_volume_weekly_fills_every_period_and_group() -> None:
    buckets = [
        bucket("2026-11-02", created=3, channel="email"),
        bucket("2026-11-08", created=2, channel="web"),
        bucket("2026-11-16", created=1, channel="email"),
    ]
    rows = volume_rows(
        query(
            "volume", "channel", first=date(2026, 11, 2), last=date(2026, 11, 17), interval="weekly"
        ),
        buckets,
        NOW,
    )
    assert rows == [
        {"period": "2026-11-02", "group": "email", "count": 3},
        {"period": "2026-11-02", "group": "web", "count": 2},
        {"period": "2026-11-09", "group": "email", "count": 0},
        {"period": "2026-11-09", "group": "web", "count": 0},
        {"period": "2026-11-16", "group": "email", "count": 1},
        {"period": "2026-11-16", "group": "web", "count": 0},
    ]


def test_csat_share_and_newest_comments_first() -> None:
    old = {
        "reference": "DVK-1",
        "rating": "bad",
        "comment": "slow",
        "rated_at": datetime(2026, 11, 2, tzinfo=UTC),
    }
    new = {
        "reference": "DVK-2",
        "rating": "good",
        "comment": "great",
        "rated_at": datetime(2026, 11, 9, tzinfo=UTC),
    }
    buckets = [
        bucket("2026-11-02", rated_good=3, rated_bad=1, comments=[old]),
        bucket("2026-11-09", rated_good=0, rated_bad=0, comments=[]),
        bucket("2026-11-09", rated_good=1, rated_bad=0, comments=[new]),
    ]
    (row,) = csat_rows(query("csat"), buckets, NOW)
    assert (row["rated"], row["good"], row["bad"], row["share_good"]) == (5, 4, 1, 0.8)
    assert [c["reference"] for c in row["latest_comments"]] == ["DVK-2", "DVK-1"]


def test_sla_attainment_by_queue() -> None:
    buckets = [
        bucket(
            "2026-11-02",
            queue="billing",
            created=10,
            sla_tracked=8,
            sla_breached=2,
            sla_first_response_breached=1,
            sla_resolution_breached=2,
        ),
        bucket(
            "2026-11-02",
            queue=None,
            created=4,
            sla_tracked=0,
            sla_breached=0,
            sla_first_response_breached=0,
            sla_resolution_breached=0,
        ),
    ]
    rows = sla_rows(query("sla", "queue"), buckets, NOW)
    assert rows[0] == {
        "group": "billing",
        "tickets": 10,
        "sla_tracked": 8,
        "breached": 2,
        "first_response_breaches": 1,
        "resolution_breaches": 2,
        "attainment": 0.75,
    }
    assert rows[1]["group"] is None
    assert rows[1]["attainment"] is None


@pytest.mark.parametrize(
    ("created", "age"),
    [
        ("2026-11-25", "<1d"),
        ("2026-11-24", "1-3d"),
        ("2026-11-23", "1-3d"),
        ("2026-11-22", "3-7d"),
        ("2026-11-19", "3-7d"),
        ("2026-11-18", ">7d"),
        ("2025-01-01", ">7d"),
    ],
)
def test_age_buckets(created: str, age: str) -> None:
    assert age_bucket(date.fromisoformat(created), TODAY) == age


def test_backlog_and_agent_load_count_open_tickets() -> None:
    buckets = [
        bucket("2026-11-25", open=2, assignee="ag-1"),
        bucket("2026-11-24", open=1, assignee="ag-2"),
        bucket("2026-11-10", open=4, assignee="ag-1"),
        bucket("2026-11-10", open=0, assignee="ag-3"),
        bucket("2026-11-10", open=1, assignee=None),
    ]
    rows = backlog_rows(query("backlog"), buckets, TODAY)
    assert [(r["age"], r["count"]) for r in rows] == [
        ("<1d", 2),
        ("1-3d", 1),
        ("3-7d", 0),
        (">7d", 5),
    ]
    assert agent_load_rows(query("agent_load", "agent"), buckets, TODAY) == [
        {"assignee": "ag-1", "open": 6},
        {"assignee": "ag-2", "open": 1},
        {"assignee": None, "open": 1},
    ]


# --- query checks -------------------------------------------------------------------------


def check(metric: str, **kw: Any) -> ReportQuery:
    params: dict[str, Any] = {"first": None, "last": None, "group_by": None, "interval": None}
    params.update(kw)
    return check_query(metric, today=TODAY, filters=Filters(), **params)


def test_defaults_are_the_last_thirty_days() -> None:
    q = check("first_response_time")
    assert (q.first, q.last, q.group_by) == (date(2026, 10, 27), TODAY, "none")
    assert check("sla").group_by == "queue"
    assert check("agent_load").group_by == "agent"
    assert check("volume", interval="weekly").interval == "weekly"


@pytest.mark.parametrize(
    ("metric", "kw", "reason"),
    [
        ("nonsense", {}, "unknown metric"),
        ("volume", {"first": date(2026, 11, 2), "last": date(2026, 11, 1)}, "after"),
        ("volume", {"first": date(2020, 1, 1)}, "longer than"),
        ("heatmap", {"group_by": "queue"}, "groups by"),
        ("first_response_time", {"group_by": "colour"}, "groups by"),
        ("csat", {"interval": "weekly"}, "volume report only"),
        ("volume", {"interval": "hourly"}, "daily or weekly"),
    ],
)
def test_bad_queries_say_why(metric: str, kw: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadQuery, match=reason):
        check(metric, **kw)


# --- CSV ----------------------------------------------------------------------------------


def test_csv_has_a_column_per_key_and_json_for_nested_values() -> None:
    rows: list[dict[str, Any]] = [
        {
            "group": "billing",
            "count": 3,
            "avg_s": 1.5,
            "latest_comments": [{"comment": 'ok, "fine"'}],
        },
        {"group": None, "count": 1, "avg_s": 2.0, "extra": datetime(2026, 11, 2, tzinfo=UTC)},
    ]
    text = rows_to_csv(rows)
    assert text.startswith("group,count,avg_s,latest_comments,extra\r\n")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1][:3] == ["billing", "3", "1.5"]
    assert parsed[1][3] == '[{"comment": "ok, \\"fine\\""}]'
    assert parsed[2] == ["", "1", "2.0", "", "2026-11-02T00:00:00+00:00"]


def test_csv_defuses_formulas() -> None:
    text = rows_to_csv([{"comment": '=HYPERLINK("http://evil")', "n": -1}])
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row == ['\'=HYPERLINK("http://evil")', "-1"]


def test_csv_of_no_rows_is_empty_header() -> None:
    assert rows_to_csv([]) == "\r\n"
