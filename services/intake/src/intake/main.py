"""Intake service: turns what customers send through the channels into ticket commands.

It consumes nothing yet: the channels arrive with issue 6. Until then it only waits for
Kafka, creates the shared topics and serves /healthz, /readyz and /metrics.
"""

from __future__ import annotations

from contracts.topics import ALL_TOPICS
from intake.settings import IntakeSettings
from kit.logging import configure_logging
from kit.service import ops_only_app, run, serve_http
from kit.tracing import configure_tracing


def main() -> None:
    settings = IntakeSettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint)
    app = ops_only_app(settings, topics=ALL_TOPICS)
    run(lambda: serve_http(app, settings.http_host, settings.http_port))
