"""Analytics service entry point (ops routes only until the reports land)."""

from __future__ import annotations

from analytics.settings import AnalyticsSettings
from contracts.topics import ALL_TOPICS
from kit.service import ops_only_app, serve


def main() -> None:
    serve(AnalyticsSettings(), lambda settings: ops_only_app(settings, topics=ALL_TOPICS))
