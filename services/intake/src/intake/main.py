"""Intake service: turns what customers send through the channels into ticket commands.

It consumes nothing yet: the channels arrive with issue 6. Until then it only waits for
Kafka, creates the shared topics and serves /healthz, /readyz and /metrics.
"""

from __future__ import annotations

from contracts.topics import ALL_TOPICS
from intake.settings import IntakeSettings
from kit.service import ops_only_app, serve


def main() -> None:
    serve(IntakeSettings(), lambda settings: ops_only_app(settings, topics=ALL_TOPICS))
