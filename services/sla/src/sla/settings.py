"""Settings of the sla service (environment variables prefixed `DVIKA_`)."""

from __future__ import annotations

from kit.settings import ServiceSettings, service_port_field


class SlaSettings(ServiceSettings):
    service_name: str = "sla"
    # DVIKA_SLA_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("sla", 8084)
