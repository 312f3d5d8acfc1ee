"""Settings of the sla service (environment variables prefixed `DVIKA_`).

The SLA service's own settings are read from `DVIKA_SLA_<NAME>`, so one env file can start
every service without names clashing.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from kit.settings import ServiceSettings, service_port_field

DEFAULT_POLICIES_FILE = Path(__file__).with_name("default_policies.yaml")


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"DVIKA_SLA_{name.upper()}")


class SlaSettings(ServiceSettings):
    service_name: str = "sla"
    # DVIKA_SLA_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("sla", 8084)
    # The policies, calendar and automation durations (YAML like default_policies.yaml).
    policies_file: Path = Field(DEFAULT_POLICIES_FILE, validation_alias=_env("policies_file"))
    # IANA zone of the business calendar; unset keeps the policies file's (UTC by default).
    timezone: str | None = Field(None, validation_alias=_env("timezone"))
    # Longest the timer loop sleeps without looking again (a safety net: it wakes for the
    # earliest due time and for every new event anyway).
    tick_s: float = Field(60.0, gt=0, le=3600, validation_alias=_env("tick_s"))
    # False: tickets submitted before this process started are never acted on (tests, or a
    # deliberate fresh start); true: every open ticket in the log is looked after.
    backfill: bool = Field(True, validation_alias=_env("backfill"))
