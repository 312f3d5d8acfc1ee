"""HTTP metrics for every service's app, and its spans' settings (from `kit.ops.add_ops_routes`).

`dvika_http_request_seconds{service,method,route,status}` labels a request by its route
template (`/api/v1/tickets/{ticket_id}`), never the raw path, so ids cannot blow up the
number of series; a request no route matched is `route="unmatched"`.

Spans come from FastAPI itself (0.165 traces every request and WebSocket natively once a
tracer provider is installed: a SERVER span continuing the caller's `traceparent`, then
dependency, endpoint and serialization spans), so what a handler sends on over Kafka belongs
to the caller's trace. This module only keeps the ops probes out of it: Prometheus and the
orchestrator poll them every few seconds, a trace each would bury the real ones.

A plain ASGI middleware: it does not buffer bodies, so streaming answers and WebSockets pass
through untouched (WebSockets are counted by the gateway's connection gauge instead).
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.metrics import HTTP_REQUEST_SECONDS

UNMATCHED_ROUTE = "unmatched"
OPS_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})


def route_template(scope: Scope) -> str:
    """The path template of the route that served `scope`, once the router has run."""
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return str(path) if path else UNMATCHED_ROUTE


def is_ops_probe(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in OPS_PATHS


def leave_probes_untraced(app: FastAPI) -> None:
    """Tell FastAPI's native telemetry to skip the ops probes, unless the app chose already.

    FastAPI reads `FastAPI(telemetry={"exclude": ...})` from this mapping at each request;
    the services build their apps themselves, so the kit sets it here once.
    """
    config: Any = getattr(app, "_telemetry", None)
    if isinstance(config, dict) and config.get("exclude") is None:
        config["exclude"] = is_ops_probe


class HttpTelemetryMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        status = 500  # unless the app starts an answer: an exception before it is a 500
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            HTTP_REQUEST_SECONDS.labels(
                self.service, method, route_template(scope), str(status)
            ).observe(time.perf_counter() - started)
