"""`GET /api/v1/ops/summary`: each service's health and load, from Prometheus (admins only).

Prometheus scrapes every service (deploy/prometheus/prometheus.yml: one job per service,
named after it); this route asks its HTTP API (`/api/v1/query`, setting `prometheus_url`)
a handful of instant queries, all at the same evaluation time, and folds the answers into
one row per job. A Prometheus that cannot be reached answers 503 with the reason; one that
answers something other than a query result, 502. One `httpx.AsyncClient` per app, made at
the first request and closed with the app.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field

from gateway.access import require_roles
from gateway.settings import GatewaySettings

# Prometheus answers these in milliseconds; a slow one must not hold the Ops page.
TIMEOUT_S = 5.0
# Listed first, in this order; other jobs (kafka, ...) follow by name.
SERVICE_ORDER = (
    "gateway",
    "tickets",
    "intake",
    "routing",
    "sla",
    "notify",
    "analytics",
    "knowledge",
)
_SKIPPED_JOBS = frozenset({"prometheus"})

# One instant query per column, each a vector with one sample per `job`. Kept in step with
# the recording rules in deploy/prometheus/alerts.yml and the Grafana dashboards.
QUERIES: Mapping[str, str] = {
    "instances": "count by (job) (up)",
    "instances_up": "sum by (job) (up)",
    "throughput": (
        'sum by (job) (rate({__name__=~"dvika_messages_(consumed|produced)_total"}[1m]))'
    ),
    "p95_latency": (
        "histogram_quantile(0.95, sum by (job, le) (rate(dvika_handler_seconds_bucket[5m])))"
    ),
    "error_rate": (
        "sum by (job) (rate(dvika_handler_errors_total[5m])"
        ' or rate(dvika_http_request_seconds_count{status=~"5.."}[5m]))'
    ),
    "consumer_lag": "sum by (job) (dvika_consumer_lag)",
    "dead_letters_1h": "sum by (job) (increase(dvika_dead_letters_total[1h]))",
    "dead_letters_total": "sum by (job) (dvika_dead_letters_total)",
    "projection_lag": "max by (job) (dvika_projection_lag_seconds)",
}


class ServiceOps(BaseModel):
    service: str = Field(description="the Prometheus job, named after the service")
    status: Literal["up", "degraded", "down"] = Field(
        description="up: every instance answers its scrape; degraded: some do; down: none"
    )
    instances: int
    instances_up: int
    throughput_per_s: float | None = Field(
        description="Kafka records consumed plus produced per second (last minute)"
    )
    p95_latency_s: float | None = Field(
        description="95th percentile of handler time (last 5 minutes); null without handling"
    )
    error_rate_per_s: float | None = Field(
        description="handler failures plus 5xx HTTP answers per second (last 5 minutes)"
    )
    consumer_lag: float | None = Field(description="records still to read, all partitions")
    dead_letters_1h: float | None = Field(description="records dead-lettered in the last hour")
    dead_letters_total: float | None = Field(
        description="records dead-lettered since the instances started"
    )
    projection_lag_s: float | None = Field(
        description="newest event time minus newest applied event time, worst projection"
    )


class OpsSummary(BaseModel):
    prometheus_url: str
    evaluated_at: datetime
    services: list[ServiceOps]


@asynccontextmanager
async def _client_lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        yield
    finally:
        client: httpx.AsyncClient | None = getattr(app.state, "prometheus_client", None)
        if client is not None:
            await client.aclose()


router = APIRouter(
    prefix="/api/v1/ops",
    tags=["ops"],
    lifespan=_client_lifespan,
    dependencies=[Depends(require_roles("admin"))],
    responses={
        401: {"description": "not signed in"},
        403: {"description": "signed in, but not an admin"},
        502: {"description": "Prometheus answered something other than a query result"},
        503: {"description": "Prometheus cannot be reached; `detail` says why"},
    },
)


class PrometheusUnreachable(Exception):
    pass


class PrometheusRefused(Exception):
    pass


def _client(request: Request) -> httpx.AsyncClient:
    state = request.app.state
    client: httpx.AsyncClient | None = getattr(state, "prometheus_client", None)
    if client is None:
        settings: GatewaySettings = state.settings
        client = httpx.AsyncClient(base_url=settings.prometheus_url, timeout=TIMEOUT_S)
        state.prometheus_client = client
    return client


async def _query(client: httpx.AsyncClient, expr: str, at: float) -> dict[str, float | None]:
    """The instant vector `expr` at `at`, as {job: value}; NaN and ±Inf become None."""
    try:
        answer = await client.get("/api/v1/query", params={"query": expr, "time": f"{at:.3f}"})
    except httpx.HTTPError as error:
        raise PrometheusUnreachable(f"{type(error).__name__}: {error}") from error
    try:
        body: Any = answer.json()
    except ValueError:
        raise PrometheusRefused(f"HTTP {answer.status_code}, not JSON") from None
    if not isinstance(body, dict) or body.get("status") != "success":
        reason = body.get("error") if isinstance(body, dict) else None
        raise PrometheusRefused(f"HTTP {answer.status_code}: {reason or 'no query result'}")
    data = body.get("data") or {}
    if data.get("resultType") != "vector":
        raise PrometheusRefused(f"expected a vector, got {data.get('resultType')!r}")
    values: dict[str, float | None] = {}
    for sample in data.get("result", []):
        job = sample.get("metric", {}).get("job")
        if job is None:
            continue
        try:
            value = float(sample["value"][1])
        except (KeyError, IndexError, TypeError, ValueError):
            raise PrometheusRefused(f"malformed sample for job {job!r}") from None
        values[job] = value if math.isfinite(value) else None
    return values


def _order(job: str) -> tuple[int, str]:
    return (SERVICE_ORDER.index(job), "") if job in SERVICE_ORDER else (len(SERVICE_ORDER), job)


def summarise(columns: Mapping[str, Mapping[str, float | None]]) -> list[ServiceOps]:
    """One row per job that Prometheus scrapes (`instances`), from the query answers."""
    rows = []
    for job in sorted(set(columns["instances"]) - _SKIPPED_JOBS, key=_order):
        instances = int(columns["instances"][job] or 0)
        up = int(columns["instances_up"].get(job) or 0)
        rows.append(
            ServiceOps(
                service=job,
                status="down" if up == 0 else "up" if up >= instances else "degraded",
                instances=instances,
                instances_up=up,
                throughput_per_s=columns["throughput"].get(job),
                p95_latency_s=columns["p95_latency"].get(job),
                error_rate_per_s=columns["error_rate"].get(job),
                consumer_lag=columns["consumer_lag"].get(job),
                dead_letters_1h=columns["dead_letters_1h"].get(job),
                dead_letters_total=columns["dead_letters_total"].get(job),
                projection_lag_s=columns["projection_lag"].get(job),
            )
        )
    return rows


@router.get("/summary")
async def ops_summary(request: Request) -> OpsSummary:
    """Per service: up/degraded/down, instances, throughput, p95 handler latency, error
    rate, consumer lag, dead letters and projection lag, as Prometheus sees them now."""
    settings: GatewaySettings = request.app.state.settings
    client = _client(request)
    at = time.time()
    names = list(QUERIES)
    try:
        answers = await asyncio.gather(*(_query(client, QUERIES[name], at) for name in names))
    except PrometheusUnreachable as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"Prometheus at {settings.prometheus_url} cannot be reached: {error}",
        ) from None
    except PrometheusRefused as error:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            f"Prometheus at {settings.prometheus_url} gave no usable answer: {error}",
        ) from None
    return OpsSummary(
        prometheus_url=settings.prometheus_url,
        evaluated_at=datetime.fromtimestamp(at, UTC),
        services=summarise(dict(zip(names, answers, strict=True))),
    )
