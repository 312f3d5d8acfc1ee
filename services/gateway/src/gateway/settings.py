"""Settings of the gateway, from the environment (prefix DVIKA_)."""

from __future__ import annotations

from kit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8080
    # How long a request waits for the tickets service to accept its command.
    command_timeout_s: float = 10.0
    # Longest wait of GET ?min_version=N for the read model to catch up.
    read_wait_s: float = 3.0
    projection_group: str = "dvika-gateway-projection"
