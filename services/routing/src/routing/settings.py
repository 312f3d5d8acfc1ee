"""Settings of the routing service (environment variables prefixed `DVIKA_`).

Its own settings are read from `DVIKA_ROUTING_<NAME>`, so one env file can start every
service without clashes.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from kit.settings import ServiceSettings, service_port_field

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.yaml")


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"DVIKA_ROUTING_{name.upper()}")


class RoutingSettings(ServiceSettings):
    service_name: str = "routing"
    # DVIKA_ROUTING_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("routing", 8083)
    # Act on tickets already in the log at start (route the unrouted, assign the waiting).
    # Off: only tickets submitted after start are routed (tests use this).
    backfill: bool = Field(True, validation_alias=_env("backfill"))
    # Seeds the rules when the database holds none yet; afterwards admins edit them over HTTP.
    rules_file: Path = Field(DEFAULT_RULES_FILE, validation_alias=_env("rules_file"))
    # How often each replica re-reads the stored rules (another replica may have changed them).
    rules_refresh_s: float = Field(10.0, gt=0, validation_alias=_env("rules_refresh_s"))
