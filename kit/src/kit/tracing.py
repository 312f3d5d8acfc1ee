"""OpenTelemetry tracing and W3C trace-context propagation.

Context crosses service boundaries two ways: in Kafka record headers (raw aiokafka producers
and consumers) and in the `trace` mapping of the contracts' envelopes, which outlives the
record (replays, projections). Both use the W3C `traceparent`/`tracestate` fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACES_PATH = "/v1/traces"


def _traces_url(endpoint: str) -> str:
    # The exporter takes the full signal URL, while OTEL_EXPORTER_OTLP_ENDPOINT is the base
    # the SDK would append the path to; accept either.
    base = endpoint.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH


def configure_tracing(service: str, otlp_endpoint: str | None = None) -> TracerProvider:
    """Install an SDK tracer provider for `service`, exporting over OTLP/HTTP if given an endpoint.

    OpenTelemetry lets the global provider be set only once per process, so a second call
    returns the provider already installed (whatever its service name).
    """
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    if otlp_endpoint:
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=_traces_url(otlp_endpoint)))
        )
    trace.set_tracer_provider(provider)
    return provider


def get_tracer(name: str) -> Tracer:
    return trace.get_tracer(name)


def current_trace_context() -> dict[str, str]:
    """The current span as `traceparent` (and `tracestate`); empty outside a span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def context_from_trace(trace: Mapping[str, str]) -> Context:
    """A context whose remote parent is the span described by `trace` (e.g. an envelope's)."""
    return _PROPAGATOR.extract(dict(trace))


def kafka_headers_from_context() -> list[tuple[str, bytes]]:
    """Record headers carrying the current span, for `AIOKafkaProducer.send(headers=...)`."""
    return [(key, value.encode("utf-8")) for key, value in current_trace_context().items()]


def context_from_kafka_headers(headers: Sequence[tuple[str, bytes]] | None) -> Context:
    """The context carried by a consumed record's headers; an empty context if none."""
    carrier: dict[str, str] = {}
    for key, value in headers or ():
        # Kafka allows null header values, and other producers may send any bytes.
        if value is not None:
            carrier[key.lower()] = bytes(value).decode("utf-8", errors="replace")
    return _PROPAGATOR.extract(carrier)
