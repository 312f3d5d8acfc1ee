"""Settings of the knowledge service (environment variables prefixed `DVIKA_`)."""

from __future__ import annotations

from kit.settings import ServiceSettings, service_port_field


class KnowledgeSettings(ServiceSettings):
    service_name: str = "knowledge"
    # DVIKA_KNOWLEDGE_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("knowledge", 8087)
