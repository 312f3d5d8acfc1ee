"""Settings of the tickets service, from the environment (prefix DVIKA_)."""

from __future__ import annotations

from kit.settings import ServiceSettings


class TicketsSettings(ServiceSettings):
    service_name: str = "tickets"
    http_port: int = 8081
    consumer_group: str = "dvika-tickets"
    transactional_prefix: str = "dvika-tickets"
    max_batch: int = 500
