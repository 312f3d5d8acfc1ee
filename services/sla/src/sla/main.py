"""SLA service: keeps the response and resolution clocks of tickets.

It consumes nothing yet: SLA tracking arrives with issue 7. Until then it only waits for
Kafka, creates the shared topics and serves /healthz, /readyz and /metrics.
"""

from __future__ import annotations

from contracts.topics import ALL_TOPICS
from kit.service import ops_only_app, serve
from sla.settings import SlaSettings


def main() -> None:
    serve(SlaSettings(), lambda settings: ops_only_app(settings, topics=ALL_TOPICS))
