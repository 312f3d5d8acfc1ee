"""Notify service: tells customers and agents what happened to their tickets.

It consumes nothing yet: notifications arrive with issue 8. Until then it only waits for
Kafka, creates the shared topics and serves /healthz, /readyz and /metrics.
"""

from __future__ import annotations

from contracts.topics import ALL_TOPICS
from kit.service import ops_only_app, serve
from notify.settings import NotifySettings


def main() -> None:
    serve(NotifySettings(), lambda settings: ops_only_app(settings, topics=ALL_TOPICS))
