from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanContext, Tracer

from kit.tracing import (
    TRACE_HOOKS,
    _traces_url,
    context_from_kafka_headers,
    context_from_trace,
    current_trace_context,
    kafka_headers_from_context,
    span_exporters,
)

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def tracer() -> Iterator[Tracer]:
    # A provider of the test's own: the global one can be set only once per process.
    provider = TracerProvider()
    yield provider.get_tracer("test")
    provider.shutdown()


def _span_context(ctx: otel_context.Context) -> SpanContext:
    return trace.get_current_span(ctx).get_span_context()


def test_no_span_means_no_context() -> None:
    assert current_trace_context() == {}
    assert kafka_headers_from_context() == []
    assert not _span_context(context_from_kafka_headers(None)).is_valid
    assert not _span_context(context_from_trace({})).is_valid


def test_round_trip_through_kafka_headers(tracer: Tracer) -> None:
    with tracer.start_as_current_span("produce") as span:
        headers = kafka_headers_from_context()
    sent = span.get_span_context()

    assert [key for key, _ in headers] == ["traceparent"]
    received = _span_context(context_from_kafka_headers(headers))
    assert received.is_remote
    assert (received.trace_id, received.span_id) == (sent.trace_id, sent.span_id)
    assert received.trace_flags.sampled


def test_round_trip_through_envelope_trace_with_state(tracer: Tracer) -> None:
    parent = context_from_trace({"traceparent": TRACEPARENT, "tracestate": "vendor=abc"})
    with tracer.start_as_current_span("handle", context=parent) as span:
        carried = current_trace_context()
    assert carried["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert carried["tracestate"] == "vendor=abc"

    received = _span_context(context_from_trace(carried))
    assert received.span_id == span.get_span_context().span_id
    assert received.trace_state.get("vendor") == "abc"


def test_headers_are_tolerant_of_odd_producers() -> None:
    headers = [
        ("TraceParent", TRACEPARENT.encode()),
        ("empty", None),
        ("binary", b"\xff\xfe"),
    ]
    received = _span_context(context_from_kafka_headers(headers))  # type: ignore[arg-type]
    assert received.trace_id == 0x0AF7651916CD43DD8448EB211C80319C


def test_garbage_traceparent_is_ignored() -> None:
    assert not _span_context(context_from_trace({"traceparent": "nonsense"})).is_valid


@pytest.mark.parametrize(
    "endpoint",
    ["http://otel:4318", "http://otel:4318/", "http://otel:4318/v1/traces"],
)
def test_otlp_endpoint_gets_the_traces_path_once(endpoint: str) -> None:
    assert _traces_url(endpoint) == "http://otel:4318/v1/traces"


def test_configure_tracing_is_idempotent() -> None:
    # In a child process: it installs the process-wide provider.
    script = (
        "from kit.tracing import configure_tracing\n"
        "first = configure_tracing('alpha', 'http://127.0.0.1:4318')\n"
        "second = configure_tracing('beta')\n"
        "assert first is second\n"
        "assert first.resource.attributes['service.name'] == 'alpha'\n"
        "first.shutdown()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Overriding" not in result.stderr


def _kinds(exporters: list[object]) -> list[str]:
    return [type(exporter).__name__ for exporter in exporters]


def test_no_exporter_without_an_endpoint_or_a_choice() -> None:
    assert span_exporters(None, {}) == []


@pytest.mark.parametrize(
    ("endpoint", "env"),
    [
        ("http://otel:4318", {}),
        (None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}),
        (None, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://otel:4318/v1/traces"}),
        (None, {"OTEL_TRACES_EXPORTER": "otlp"}),
    ],
)
def test_otlp_when_an_endpoint_is_set_or_otlp_is_chosen(
    endpoint: str | None, env: dict[str, str]
) -> None:
    [exporter] = span_exporters(endpoint, env)
    assert isinstance(exporter, OTLPSpanExporter)


def test_the_settings_endpoint_gets_the_traces_path() -> None:
    [exporter] = span_exporters("http://collector:4318", {})
    assert isinstance(exporter, OTLPSpanExporter)
    assert exporter._endpoint == "http://collector:4318/v1/traces"


def test_otel_traces_exporter_picks_the_exporters_and_none_turns_them_off() -> None:
    both = span_exporters(None, {"OTEL_TRACES_EXPORTER": "console, otlp"})
    assert _kinds(list(both)) == ["ConsoleSpanExporter", "OTLPSpanExporter"]
    off = {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://o:4318"}
    assert span_exporters("http://otel:4318", off) == []
    assert span_exporters(None, {"OTEL_TRACES_EXPORTER": "zipkin"}) == []


def test_otel_service_name_wins_over_the_services_own() -> None:
    script = (
        "from kit.tracing import configure_tracing\n"
        "provider = configure_tracing('gateway')\n"
        "print(provider.resource.attributes['service.name'])\n"
        "print(provider.resource.attributes.get('deployment.environment'))\n"
    )
    env = {
        **os.environ,
        "OTEL_SERVICE_NAME": "gateway-eu",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=staging",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.stdout.split() == ["gateway-eu", "staging"], result.stderr


async def test_calls_to_other_services_carry_the_current_trace(tracer: Tracer) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    async with httpx.AsyncClient(transport=transport, event_hooks=TRACE_HOOKS) as client:
        await client.get("http://routing/rules")
        with tracer.start_as_current_span("gateway request") as span:
            await client.get("http://routing/rules", headers={"traceparent": "stale"})
    outside, inside = seen
    assert "traceparent" not in outside.headers
    sent = span.get_span_context()
    assert inside.headers["traceparent"] == (
        f"00-{sent.trace_id:032x}-{sent.span_id:016x}-{int(sent.trace_flags):02x}"
    )
