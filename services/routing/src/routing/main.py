"""Routing service: assigns tickets to queues and agents.

It consumes nothing yet: routing arrives with issue 7. Until then it only waits for Kafka,
creates the shared topics and serves /healthz, /readyz and /metrics.
"""

from __future__ import annotations

from contracts.topics import ALL_TOPICS
from kit.service import ops_only_app, serve
from routing.settings import RoutingSettings


def main() -> None:
    serve(RoutingSettings(), lambda settings: ops_only_app(settings, topics=ALL_TOPICS))
