"""Knowledge service entry point (ops routes only until the knowledge base lands)."""

from __future__ import annotations

from contracts.topics import ALL_TOPICS
from kit.service import ops_only_app, serve
from knowledge.settings import KnowledgeSettings


def main() -> None:
    serve(KnowledgeSettings(), lambda settings: ops_only_app(settings, topics=ALL_TOPICS))
