"""An in-memory span exporter on the process's global tracer provider, for the kit's tests.

The global provider can be set only once per process: the first caller installs an SDK one,
later callers add their own exporter to it.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def global_memory_exporter() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def spans_of(exporter: InMemorySpanExporter, service: str) -> list[ReadableSpan]:
    """The finished spans the kit made for `service` (its `dvika.service` attribute)."""
    return [
        span
        for span in exporter.get_finished_spans()
        if (span.attributes or {}).get("dvika.service") == service
    ]
