"""The managers' digest takes its figures from the analytics reports API: which reports it
asks for, what the mail says, and that an unreachable or odd API makes the mail say the
figures are unavailable instead of failing or guessing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from contracts.agents import AgentSnapshot
from notify.adapters.analytics_reports import AnalyticsReports
from notify.composer import NotificationComposer
from notify.domain.digest import (
    FIGURE_REPORTS,
    DigestDay,
    ReportsUnavailable,
    digest_intents,
    fetch_figures,
    figures_day,
    format_duration,
)
from notify.domain.links import Links
from notify.domain.roster import Roster
from notify.entrypoints.digest import DigestScheduler
from notify.rendering import EmailRenderer
from notify.settings import NotifySettings

KOLKATA = ZoneInfo("Asia/Kolkata")
RUN_AT = datetime(2026, 11, 25, 8, 0, tzinfo=KOLKATA)
DAY = date(2026, 11, 24)
LINKS = Links(b"secret", "https://help.example.com", "https://console.example.com")
RENDERER = EmailRenderer()


def body(metric: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "metric": metric,
        "from": DAY.isoformat(),
        "to": DAY.isoformat(),
        "group_by": "none",
        "timezone": "Asia/Kolkata",
        "rows": rows,
        "generated_at": "2026-11-25T02:30:00Z",
        **extra,
    }


def duration(count: int, median_s: float, p90_s: float) -> list[dict[str, Any]]:
    return [{"group": "all", "count": count, "avg_s": median_s, "median_s": median_s,
             "p90_s": p90_s}]  # fmt: skip


class FakeReports:
    """The reports port, answering like the analytics service for one day."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.fail_on = fail_on

    async def report(self, metric: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        self.asked.append((metric, dict(params)))
        if metric == self.fail_on:
            raise ReportsUnavailable("analytics cannot be reached")
        business = params.get("clock") == "business"
        if metric == "volume":
            return body(metric, [{"period": DAY.isoformat(), "group": "all", "count": 42}])
        if metric == "first_response_time":
            return body(metric, duration(40, 3600 if business else 9000, 7200))
        if metric == "resolution_time":
            return body(metric, duration(25, 5 * 3600 if business else 26 * 3600, 40 * 3600))
        if metric == "csat":
            return body(metric, [{"group": "all", "rated": 10, "good": 8, "bad": 2,
                                  "share_good": 0.8, "latest_comments": []}])  # fmt: skip
        if metric == "sla":
            return body(metric, [{"group": "all", "tickets": 42, "sla_tracked": 20,
                                  "breached": 3, "first_response_breaches": 2,
                                  "resolution_breaches": 1, "attainment": 0.85}])  # fmt: skip
        if metric == "backlog":
            return body(
                metric,
                [
                    {"age": "<1d", "group": "all", "count": 5},
                    {"age": "1-3d", "group": "all", "count": 4},
                    {"age": "3-7d", "group": "all", "count": 2},
                    {"age": ">7d", "group": "all", "count": 1},
                ],
            )
        raise AssertionError(f"unexpected report {metric}")


def managers() -> Roster:
    meena = {
        "account_id": "meena",
        "name": "Meena",
        "email": "meena@x.example",
        "role": "manager",
        "active": True,
        "updated_at": RUN_AT,
    }
    return Roster([AgentSnapshot.model_validate(meena)])


def test_the_figures_cover_the_local_day_before_the_run() -> None:
    assert figures_day(RUN_AT, KOLKATA) == DAY
    # 01:00 UTC on the 25th is still the 24th in New York: the figures are of the 23rd.
    assert figures_day(datetime(2026, 11, 25, 1, tzinfo=UTC), ZoneInfo("America/New_York")) == (
        date(2026, 11, 23)
    )


async def test_the_digest_asks_the_reports_of_its_day_and_reads_their_figures() -> None:
    reports = FakeReports()
    figures = await fetch_figures(reports, DAY)
    assert figures is not None
    assert sorted(reports.asked, key=repr) == sorted(
        [
            (metric, {"from": "2026-11-24", "to": "2026-11-24", **params})
            for metric, params in FIGURE_REPORTS.values()
        ],
        key=repr,
    )
    assert ("first_response_time", {"from": "2026-11-24", "to": "2026-11-24",
            "group_by": "none", "clock": "business"}) in reports.asked  # fmt: skip
    assert figures.created == 42
    assert (figures.first_response.median_s, figures.first_response_business.median_s) == (
        9000,
        3600,
    )
    assert figures.resolution.count == 25
    assert (figures.rated, figures.share_good) == (10, 0.8)
    assert (figures.sla_tracked, figures.sla_breached, figures.attainment) == (20, 3, 0.85)
    assert (figures.open_now, figures.open_over_a_week) == (12, 1)
    assert figures.timezone == "Asia/Kolkata"


async def test_the_mail_shows_the_figures_of_the_reports() -> None:
    figures = await fetch_figures(FakeReports(), DAY)
    [mail] = digest_intents(
        DigestDay(RUN_AT), managers(), LINKS, new=[], breached=[], escalated=[], figures=figures
    )
    rendered = RENDERER.render(mail)
    text = rendered.text
    assert "Figures of the tickets created on 2026-11-24 (Asia/Kolkata)" in text
    assert "Tickets created: 42" in text
    assert "First response: median 2 h 30 min (1 h 00 min in business hours)" in text
    assert "Resolution: median 1 d 2 h (5 h 00 min in business hours)" in text
    assert "Satisfaction: 80 % good of 10 rated" in text
    assert "SLA: 3 of 20 breached (85 % met)" in text
    assert "Open now: 12 (1 older than a week)" in text
    assert "unavailable" not in text
    assert '<th scope="row" style="text-align:left">Tickets created</th><td>42</td>' in (
        rendered.html
    )


@pytest.mark.parametrize("failing", ["volume", "resolution_time", "backlog"])
async def test_any_report_missing_makes_the_figures_unavailable_not_guessed(failing: str) -> None:
    assert await fetch_figures(FakeReports(fail_on=failing), DAY) is None
    [mail] = digest_intents(
        DigestDay(RUN_AT), managers(), LINKS, new=[], breached=[], escalated=[], figures=None
    )
    rendered = RENDERER.render(mail)
    assert "The figures are unavailable" in rendered.text
    assert "Tickets created:" not in rendered.text
    assert "The figures are unavailable" in rendered.html


class OddReports(FakeReports):
    async def report(self, metric: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        answer = dict(await super().report(metric, params))
        if metric == "sla":
            answer["rows"] = [{"group": "all", "sla_tracked": "many"}]
        return answer


async def test_a_report_of_an_unexpected_shape_makes_them_unavailable() -> None:
    assert await fetch_figures(OddReports(), DAY) is None


def test_durations_read_like_a_person_would_say_them() -> None:
    assert format_duration(None) == "-"
    assert format_duration(20) == "0 min"
    assert format_duration(45 * 60) == "45 min"
    assert format_duration(3600 + 5 * 60) == "1 h 05 min"
    assert format_duration(3 * 86400 + 4 * 3600) == "3 d 4 h"


async def test_a_quiet_day_says_none_yet() -> None:
    class Quiet(FakeReports):
        async def report(self, metric: str, params: Mapping[str, str]) -> Mapping[str, Any]:
            rows: list[dict[str, Any]] = []
            if metric == "volume":
                rows = [{"period": DAY.isoformat(), "group": "all", "count": 0}]
            if metric == "backlog":
                rows = [{"age": ">7d", "group": "all", "count": 0}]
            return body(metric, rows)

    figures = await fetch_figures(Quiet(), DAY)
    assert figures is not None
    [mail] = digest_intents(
        DigestDay(RUN_AT), managers(), LINKS, new=[], breached=[], escalated=[], figures=figures
    )
    text = RENDERER.render(mail).text
    assert "Tickets created: 0" in text
    assert "First response: none yet" in text
    assert "Satisfaction: no ratings" in text
    assert "SLA: no tickets with SLA targets" in text


# --- the adapter over HTTP ----------------------------------------------------------------------


async def test_the_adapter_asks_analytics_and_returns_its_json() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body("volume", []))

    client = AnalyticsReports("http://analytics:8086/", transport=httpx.MockTransport(answer))
    try:
        got = await client.report("volume", {"from": "2026-11-24", "to": "2026-11-24"})
    finally:
        await client.close()
    assert got["metric"] == "volume"
    assert str(seen[0].url) == "http://analytics:8086/reports/volume?from=2026-11-24&to=2026-11-24"
    # Service ports take no credentials: nothing secret travels with the request.
    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize(
    "respond",
    [
        lambda request: httpx.Response(503, text="starting"),
        lambda request: httpx.Response(422, json={"detail": "bad"}),
        lambda request: httpx.Response(200, text="<html>not json</html>"),
        lambda request: httpx.Response(200, content=json.dumps([1, 2]).encode()),
    ],
)
async def test_the_adapter_turns_bad_answers_into_unavailable(respond: Any) -> None:
    client = AnalyticsReports("http://analytics:8086", transport=httpx.MockTransport(respond))
    try:
        with pytest.raises(ReportsUnavailable):
            await client.report("volume", {})
    finally:
        await client.close()


async def test_an_unreachable_analytics_is_unavailable_not_an_error() -> None:
    # Nothing listens on port 9 of the loopback: the connection is refused at once.
    client = AnalyticsReports("http://127.0.0.1:9", timeout_s=2)
    try:
        with pytest.raises(ReportsUnavailable, match="cannot be reached"):
            await client.report("volume", {})
        assert await fetch_figures(client, DAY) is None
    finally:
        await client.close()


# --- the scheduler ------------------------------------------------------------------------------


class NoTickets:
    async def changed_since(self, field: str, since: datetime, until: datetime) -> list[Any]:
        return []


class KeptNotifications:
    def __init__(self) -> None:
        self.documents: list[Mapping[str, Any]] = []

    async def insert_new(self, documents: Any) -> list[Mapping[str, Any]]:
        new = [d for d in documents if d["key"] not in {k["key"] for k in self.documents}]
        self.documents.extend(new)
        return new


@pytest.mark.parametrize("reports", [FakeReports(), FakeReports(fail_on="csat")])
async def test_the_scheduler_records_the_digest_with_or_without_figures(
    reports: FakeReports,
) -> None:
    kept = KeptNotifications()
    scheduler = DigestScheduler(
        tickets=NoTickets(),  # type: ignore[arg-type]
        notifications=kept,  # type: ignore[arg-type]
        composer=NotificationComposer(
            RENDERER,
            message_id_domain="dvika.care",
            customer_from="Dvika Care <support@dvika.care>",
            reply_to="support@dvika.care",
            staff_from="Dvika Care <no-reply@dvika.care>",
        ),
        roster=managers(),
        links=LINKS,
        at=time(8),
        zone=KOLKATA,
        clock=lambda: RUN_AT,
        reports=reports,
    )
    assert await scheduler.make(RUN_AT) == 1
    [document] = kept.documents
    text = document["email"]["text"]
    if reports.fail_on is None:
        assert "Tickets created: 42" in text
    else:
        assert "The figures are unavailable" in text
    assert {metric for metric, _ in reports.asked} == {m for m, _ in FIGURE_REPORTS.values()}


def test_settings_share_the_gateways_analytics_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DVIKA_NOTIFY_ANALYTICS_URL", raising=False)
    monkeypatch.delenv("DVIKA_ANALYTICS_URL", raising=False)
    assert NotifySettings().analytics_url == "http://127.0.0.1:8086"
    assert NotifySettings().analytics_timeout_s == 5.0
    monkeypatch.setenv("DVIKA_ANALYTICS_URL", "http://analytics.internal:8086")
    assert NotifySettings().analytics_url == "http://analytics.internal:8086"
    monkeypatch.setenv("DVIKA_NOTIFY_ANALYTICS_URL", "http://own:8086")
    monkeypatch.setenv("DVIKA_NOTIFY_ANALYTICS_TIMEOUT_S", "0")
    with pytest.raises(ValueError, match="greater than 0"):
        NotifySettings()
