"""OpenTelemetry tracing and W3C trace-context propagation.

Context crosses service boundaries two ways: in Kafka record headers (raw aiokafka producers
and consumers) and in the `trace` mapping of the contracts' envelopes, which outlives the
record (replays, projections). Both use the W3C `traceparent`/`tracestate` fields.

Export follows the SDK's standard variables: `OTEL_TRACES_EXPORTER` (`otlp`, `console`,
`none`, comma-separated), `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
`OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_SDK_DISABLED`. Without `OTEL_TRACES_EXPORTER`,
spans go over OTLP/HTTP when an endpoint is set and nowhere otherwise (a developer's machine
has no collector to refuse connections to). Only the OTLP/HTTP (protobuf) exporter is installed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Protocol

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace import Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACES_PATH = "/v1/traces"
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")


def _traces_url(endpoint: str) -> str:
    # The exporter takes the full signal URL, while OTEL_EXPORTER_OTLP_ENDPOINT is the base
    # the SDK would append the path to; accept either.
    base = endpoint.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH


def configure_tracing(service: str, otlp_endpoint: str | None = None) -> TracerProvider:
    """Install an SDK tracer provider for `service`, its exporters chosen by the `OTEL_*`
    variables (see the module's docstring); `otlp_endpoint` is the settings' endpoint.

    OpenTelemetry lets the global provider be set only once per process, so a second call
    returns the provider already installed (whatever its service name).
    """
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(resource=_resource(service))
    for exporter in span_exporters(otlp_endpoint, os.environ):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def _resource(service: str) -> Resource:
    # `OTEL_SERVICE_NAME` (or service.name in OTEL_RESOURCE_ATTRIBUTES) wins when set.
    detected = Resource.create()
    name = str(detected.attributes.get(SERVICE_NAME, ""))
    if name and not name.startswith("unknown_service"):
        return detected
    return detected.merge(Resource({SERVICE_NAME: service}))


def span_exporters(otlp_endpoint: str | None, env: Mapping[str, str]) -> list[SpanExporter]:
    """The exporters `OTEL_TRACES_EXPORTER` names, OTLP configured by the environment."""
    endpoint_set = bool(otlp_endpoint) or any(env.get(name) for name in _ENDPOINT_VARIABLES)
    names = env.get("OTEL_TRACES_EXPORTER") or ("otlp" if endpoint_set else "none")
    exporters: list[SpanExporter] = []
    for name in (part.strip().lower() for part in names.split(",")):
        if name == "otlp":
            exporters.append(_otlp_exporter(otlp_endpoint, env))
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name not in ("none", ""):
            logging.getLogger(__name__).warning("unknown OTEL_TRACES_EXPORTER %r ignored", name)
    return exporters


def _otlp_exporter(otlp_endpoint: str | None, env: Mapping[str, str]) -> OTLPSpanExporter:
    protocol = next((env[name] for name in _PROTOCOL_VARIABLES if env.get(name)), None)
    if protocol not in (None, "http/protobuf"):
        logging.getLogger(__name__).warning(
            "only the OTLP/HTTP protobuf exporter is installed; %r ignored", protocol
        )
    if otlp_endpoint and not env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return OTLPSpanExporter(endpoint=_traces_url(otlp_endpoint))
    # No endpoint argument: the exporter reads the OTEL_EXPORTER_OTLP_* variables itself.
    return OTLPSpanExporter()


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


class OutgoingRequest(Protocol):
    """What `propagate_trace` needs of an HTTP client's request (an `httpx.Request`)."""

    @property
    def headers(self) -> MutableMapping[str, str]: ...


async def propagate_trace(request: OutgoingRequest) -> None:
    """An httpx request hook: the call to another service continues the current trace.

    `httpx.AsyncClient(event_hooks={"request": [propagate_trace]})`; the hook runs in the
    caller's task, so the current span is the caller's.
    """
    request.headers.update(current_trace_context())


# `httpx.AsyncClient(..., event_hooks=TRACE_HOOKS)`.
TRACE_HOOKS = {"request": [propagate_trace]}
