"""Every app gets HTTP metrics by route template from `add_ops_routes`, and FastAPI's own
server spans continue the caller's trace (the ops probes excepted)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY

from kit.ops import add_ops_routes
from kit.tracing import current_trace_context
from unit.kit.spans import global_memory_exporter

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_SPAN = "b7ad6b7169203331"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = global_memory_exporter()
    yield exporter
    exporter.shutdown()


def _app(service: str) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, object]:
        # What a handler sends on (a command over Kafka) carries this context.
        return {"id": item_id, "trace": current_trace_context()}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("broken handler")

    add_ops_routes(app, service=service)
    return app


def _count(service: str, method: str, route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "dvika_http_request_seconds_count",
        {"service": service, "method": method, "route": route, "status": status},
    )
    return value or 0.0


def test_requests_are_counted_by_route_template_not_raw_path() -> None:
    client = TestClient(_app("http-a"))
    for item_id in (1, 2, 3):
        assert client.get(f"/items/{item_id}").status_code == 200
    assert client.get("/items/not-a-number").status_code == 422
    assert client.get("/no/such/path/42").status_code == 404

    assert _count("http-a", "GET", "/items/{item_id}", "200") == 3
    assert _count("http-a", "GET", "/items/{item_id}", "422") == 1
    assert _count("http-a", "GET", "unmatched", "404") == 1
    assert _count("http-a", "GET", "/items/1", "200") == 0
    text = client.get("/metrics").text
    assert 'dvika_http_request_seconds_bucket{le="0.005",method="GET"' in text
    assert 'route="/items/{item_id}",service="http-a",status="200"' in text


def test_a_handler_that_raises_is_a_500() -> None:
    client = TestClient(_app("http-b"), raise_server_exceptions=False)
    assert client.get("/boom").status_code == 500
    assert _count("http-b", "GET", "/boom", "500") == 1


def _spans_of(spans: InMemorySpanExporter, path: str) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if _trace_of(spans, s) == path]


def _trace_of(spans: InMemorySpanExporter, span: ReadableSpan) -> str | None:
    """The url.path of the SERVER span `span` belongs to (itself or an ancestor)."""
    by_id = {s.context.span_id: s for s in spans.get_finished_spans()}
    current: ReadableSpan | None = span
    while current is not None:
        if current.kind is SpanKind.SERVER:
            return str((current.attributes or {}).get("url.path"))
        current = by_id.get(current.parent.span_id) if current.parent else None
    return None


def test_a_request_continues_the_callers_trace(spans: InMemorySpanExporter) -> None:
    client = TestClient(_app("http-c"))
    answer = client.get(
        "/items/7", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01"}
    ).json()

    [server] = [s for s in _spans_of(spans, "/items/7") if s.kind is SpanKind.SERVER]
    assert server.name == "GET /items/{item_id}"
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_SPAN
    # The handler ran inside the request's trace: what it sends on continues it.
    carried = answer["trace"]["traceparent"].split("-")
    assert carried[1] == TRACE_ID
    by_id = {format(s.context.span_id, "016x"): s for s in spans.get_finished_spans()}
    assert _trace_of(spans, by_id[carried[2]]) == "/items/7"


def test_probes_make_no_span_and_a_failure_is_an_error_span(
    spans: InMemorySpanExporter,
) -> None:
    client = TestClient(_app("http-d"), raise_server_exceptions=False)
    client.get("/items/1")
    client.get("/boom")
    for probe in ("/healthz", "/readyz", "/metrics"):
        assert client.get(probe).status_code == 200
    servers = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    paths = [(s.attributes or {}).get("url.path") for s in servers]
    assert "/items/1" in paths
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)
    [failed] = [s for s in servers if (s.attributes or {}).get("url.path") == "/boom"]
    assert failed.parent is None
    assert failed.status.status_code is StatusCode.ERROR
    # Probes are still measured.
    assert _count("http-d", "GET", "/healthz", "200") == 1
