"""Operational HTTP routes every service exposes: liveness, readiness and metrics.

Every service's app calls `add_ops_routes`, so it also adds the HTTP telemetry (request
metrics by route template; probes kept out of FastAPI's spans): one place, the same for all.

Liveness never looks at dependencies (restarting a pod does not bring Kafka back);
readiness does, so a load balancer or orchestrator stops sending work while one is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

from kit.http_telemetry import HttpTelemetryMiddleware, leave_probes_untraced

ReadinessCheck = Callable[[], Awaitable[None]]
"""Returns when the dependency is usable, raises (any exception) when it is not."""

CHECK_TIMEOUT_S = 2.0


async def _run_check(check: ReadinessCheck) -> str | None:
    """None when the check passed, else the reason it did not."""
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"timed out after {CHECK_TIMEOUT_S:g} s"
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def add_ops_routes(
    app: FastAPI,
    *,
    service: str,
    checks: Mapping[str, ReadinessCheck] | None = None,
) -> None:
    """Add `GET /healthz`, `GET /readyz`, `GET /metrics` and the HTTP telemetry to `app`."""
    readiness = dict(checks or {})
    app.add_middleware(HttpTelemetryMiddleware, service=service)
    leave_probes_untraced(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        names = list(readiness)
        # Concurrently, so one slow dependency does not add its timeout to the others'.
        outcomes = await asyncio.gather(*(_run_check(readiness[name]) for name in names))
        results = {name: outcome or "ok" for name, outcome in zip(names, outcomes, strict=True)}
        ready = all(outcome is None for outcome in outcomes)
        return JSONResponse(
            status_code=200 if ready else 503,
            content={
                "status": "ready" if ready else "not ready",
                "service": service,
                "checks": results,
            },
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        # Negotiated as prometheus_client's own exporters do: the 0.0.4 text format for a
        # plain scrape, OpenMetrics when asked for.
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(content=encoder(REGISTRY), headers={"Content-Type": content_type})
