"""Settings of the intake service (environment variables prefixed `DVIKA_`)."""

from __future__ import annotations

from kit.settings import ServiceSettings, service_port_field


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    # DVIKA_INTAKE_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("intake", 8082)
