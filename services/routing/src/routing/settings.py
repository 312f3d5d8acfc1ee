"""Settings of the routing service (environment variables prefixed `DVIKA_`)."""

from __future__ import annotations

from kit.settings import ServiceSettings, service_port_field


class RoutingSettings(ServiceSettings):
    service_name: str = "routing"
    # DVIKA_ROUTING_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("routing", 8083)
