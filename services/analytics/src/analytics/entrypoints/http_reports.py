"""`GET /reports/{metric}`: the reports, read from the daily buckets, as JSON or CSV.

The gateway forwards `GET /api/v1/reports/{metric}` here for managers and admins; this
service trusts its network (like every service port) and checks only the query. Bad
parameters answer 422 with the reason; `?format=csv` or `Accept: text/csv` answers CSV of
the same rows. `clock=business` counts the duration reports in the team's business hours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from analytics.adapters.report_reader import ReportReader
from analytics.domain.csv_export import rows_to_csv
from analytics.domain.local_time import local_today
from analytics.domain.reports import (
    AS_OF_NOW,
    CLOCKED,
    METRICS,
    NOW_REPORTS,
    RANGE_REPORTS,
    BadQuery,
    Filters,
    check_query,
    duration_prefix,
)

router = APIRouter(tags=["reports"])


class Report(BaseModel):
    metric: str
    from_: date = Field(alias="from")
    to: date
    group_by: str
    interval: str | None = Field(None, description="volume only: daily or weekly")
    clock: str | None = Field(
        None,
        description="first_response_time and resolution_time: calendar (every second) or "
        "business (the team's working hours only)",
    )
    timezone: str = Field(description="the team time zone days and hours are local to")
    rows: list[dict[str, Any]]
    generated_at: datetime


_EXAMPLES: dict[str, Any] = {
    "first_response_time": {
        "summary": "first response time by queue",
        "value": {
            "metric": "first_response_time",
            "from": "2026-10-27",
            "to": "2026-11-25",
            "group_by": "queue",
            "interval": None,
            "clock": "calendar",
            "timezone": "Asia/Kolkata",
            "rows": [
                {
                    "group": "billing",
                    "count": 412,
                    "avg_s": 1843.2,
                    "median_s": 1290.0,
                    "p90_s": 4352.0,
                },
                {"group": None, "count": 9, "avg_s": 7201.5, "median_s": 6889.0, "p90_s": 9741.0},
            ],
            "generated_at": "2026-11-25T04:00:00Z",
        },
    },
    "volume": {
        "summary": "weekly volume by channel",
        "value": {
            "metric": "volume",
            "from": "2026-11-02",
            "to": "2026-11-15",
            "group_by": "channel",
            "interval": "weekly",
            "timezone": "UTC",
            "rows": [
                {"period": "2026-11-02", "group": "email", "count": 130},
                {"period": "2026-11-02", "group": "web", "count": 88},
                {"period": "2026-11-09", "group": "email", "count": 121},
                {"period": "2026-11-09", "group": "web", "count": 97},
            ],
            "generated_at": "2026-11-25T04:00:00Z",
        },
    },
    "csat": {
        "summary": "satisfaction",
        "value": {
            "metric": "csat",
            "from": "2026-10-27",
            "to": "2026-11-25",
            "group_by": "none",
            "interval": None,
            "timezone": "UTC",
            "rows": [
                {
                    "group": "all",
                    "rated": 50,
                    "good": 42,
                    "bad": 8,
                    "share_good": 0.84,
                    "latest_comments": [
                        {
                            "reference": "DVK-1042",
                            "rating": "good",
                            "comment": "Quick and kind, thanks!",
                            "rated_at": "2026-11-24T17:03:11Z",
                        }
                    ],
                }
            ],
            "generated_at": "2026-11-25T04:00:00Z",
        },
    },
    "backlog": {
        "summary": "open tickets by age",
        "value": {
            "metric": "backlog",
            "from": "2026-10-27",
            "to": "2026-11-25",
            "group_by": "none",
            "interval": None,
            "timezone": "UTC",
            "rows": [
                {"age": "<1d", "group": "all", "count": 31},
                {"age": "1-3d", "group": "all", "count": 12},
                {"age": "3-7d", "group": "all", "count": 4},
                {"age": ">7d", "group": "all", "count": 1},
            ],
            "generated_at": "2026-11-25T04:00:00Z",
        },
    },
}

_CSV_EXAMPLE = "group,count,avg_s,median_s,p90_s\r\nbilling,412,1843.2,1290.0,4352.0\r\n"

NowClock = Callable[[], datetime]


def _family_of(metric: str, clock: str) -> str:
    """Which sheets a report reads (`analytics.domain.sheets.FAMILIES`)."""
    if metric in CLOCKED:
        return duration_prefix(metric, clock)
    return "open" if metric in AS_OF_NOW else metric


def _wants_csv(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


@router.get(
    "/reports/{metric}",
    response_model=Report,
    summary="One report over a date range, grouped and filtered",
    responses={
        200: {
            "description": "the report's rows; CSV with `?format=csv` or `Accept: text/csv`",
            "content": {
                "application/json": {"examples": _EXAMPLES},
                "text/csv": {"example": _CSV_EXAMPLE},
            },
        },
        404: {"description": "no such metric"},
        422: {"description": "a parameter cannot be used; `detail` says why"},
    },
)
async def report(
    request: Request,
    metric: str,
    from_: Annotated[
        date | None,
        Query(alias="from", description="first day (local), default 30 days before `to`"),
    ] = None,
    to: Annotated[
        date | None, Query(description="last day (local, included), default today")
    ] = None,
    group_by: Annotated[
        str | None, Query(description="agent, queue, priority, channel, category or none")
    ] = None,
    interval: Annotated[str | None, Query(description="volume: daily (default) or weekly")] = None,
    clock_: Annotated[
        str | None,
        Query(
            alias="clock",
            description="first_response_time and resolution_time: calendar (default) or "
            "business (working hours of the team's business calendar)",
        ),
    ] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    priority: Annotated[str | None, Query(max_length=8)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    format_: Annotated[str | None, Query(alias="format", pattern="^(json|csv)$")] = None,
) -> Response:
    """Figures of tickets created in [`from`, `to`] (local days of the team's time zone).

    `backlog` and `agent_load` count tickets open now, whatever their day.
    """
    if metric not in METRICS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no metric {metric!r}; one of {', '.join(METRICS)}"
        )
    state = request.app.state
    zone: ZoneInfo = state.zone
    clock: NowClock = state.clock
    reader: ReportReader = state.report_reader
    now = clock()
    today = local_today(now, zone)
    try:
        query = check_query(
            metric,
            today=today,
            first=from_,
            last=to,
            group_by=group_by,
            interval=interval,
            filters=Filters(queue=queue, priority=priority, channel=channel),
            clock=clock_,
        )
    except BadQuery as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    family = _family_of(metric, query.clock)
    filters = query.filters.as_dict()
    if metric in AS_OF_NOW:
        buckets = await reader.open_buckets(filters, family, query.group_by)
        rows = NOW_REPORTS[metric](query, buckets, today)
    else:
        first, last = query.first.isoformat(), query.last.isoformat()
        buckets = await reader.buckets_between(first, last, filters, family, query.group_by)
        rows = RANGE_REPORTS[metric](query, buckets, now)
    if _wants_csv(request, format_):
        business = "_business" if metric in CLOCKED and query.clock == "business" else ""
        filename = f"{metric}{business}_{query.first}_{query.last}.csv"
        return Response(
            content=rows_to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    body = {
        "metric": metric,
        "from": query.first,
        "to": query.last,
        "group_by": query.group_by,
        "interval": query.interval if metric == "volume" else None,
        "clock": query.clock if metric in CLOCKED else None,
        "timezone": zone.key,
        "rows": rows,
        "generated_at": now,
    }
    return JSONResponse(jsonable_encoder(body))
