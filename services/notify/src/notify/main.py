"""Notify service: tells customers and agents what happened to their tickets.

It consumes nothing yet: notifications arrive with issue 8. Until then it only waits for
Kafka, creates the shared topics and serves /healthz, /readyz and /metrics.
"""

from __future__ import annotations

from contracts.topics import ALL_TOPICS
from kit.logging import configure_logging
from kit.service import ops_only_app, run, serve_http
from kit.tracing import configure_tracing
from notify.settings import NotifySettings


def main() -> None:
    settings = NotifySettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint)
    app = ops_only_app(settings, topics=ALL_TOPICS)
    run(lambda: serve_http(app, settings.http_host, settings.http_port))
