"""Settings of the analytics service (environment variables prefixed `DVIKA_`)."""

from __future__ import annotations

from kit.settings import ServiceSettings, service_port_field


class AnalyticsSettings(ServiceSettings):
    service_name: str = "analytics"
    # DVIKA_ANALYTICS_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("analytics", 8086)
