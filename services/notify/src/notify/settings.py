"""Settings of the notify service (environment variables prefixed `DVIKA_`)."""

from __future__ import annotations

from kit.settings import ServiceSettings, service_port_field


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    # DVIKA_NOTIFY_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("notify", 8085)
