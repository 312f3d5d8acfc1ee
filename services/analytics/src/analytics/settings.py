"""Settings of the analytics service (environment variables prefixed `DVIKA_`).

Its own settings are read from `DVIKA_ANALYTICS_<NAME>`, so one env file can start every
service without clashes.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator

from contracts.topics import TICKET_EVENTS
from kit.settings import ServiceSettings, service_port_field


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"DVIKA_ANALYTICS_{name.upper()}")


class AnalyticsSettings(ServiceSettings):
    service_name: str = "analytics"
    # DVIKA_ANALYTICS_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("analytics", 8086)
    # The team's time zone (IANA name): days, weekdays and hours of the reports are local to it.
    # Changing it needs a rebuild (a fresh consumer group and database): facts keep their day.
    timezone: str = Field("UTC", validation_alias=_env("timezone"))
    # The consumer group folding the ticket event log; a new name replays the log from the start.
    consumer_group: str = Field("dvika-analytics-facts", validation_alias=_env("consumer_group"))
    # The ticket event log. Only tests change it: they feed a scratch topic with a generated
    # log of known answers, which must never enter the real log (its writer replays that).
    events_topic: str = Field(TICKET_EVENTS.name, validation_alias=_env("events_topic"))
    # How often the daily buckets of changed days are recomputed (also the freshness of reports).
    refresh_interval_s: float = Field(1.0, gt=0, validation_alias=_env("refresh_interval_s"))
    # Days' report parts kept in memory (one per day and report shape; a few KB each).
    report_cache_parts: int = Field(4096, ge=0, validation_alias=_env("report_cache_parts"))
    # The business calendar of the business-hours durations: the `calendar:` section of a YAML
    # file shaped like the SLA policies file. The SLA service's variables are read too, so one
    # env file gives both services the same calendar. Unset: Monday to Friday, 09:00-17:00,
    # no holidays (the SLA defaults). Changing the calendar needs a replay, like the zone.
    calendar_file: Path | None = Field(
        None,
        validation_alias=AliasChoices("DVIKA_ANALYTICS_CALENDAR_FILE", "DVIKA_SLA_POLICIES_FILE"),
    )
    # The calendar's zone; unset: the file's `calendar.timezone`, else `timezone` above.
    calendar_timezone: str | None = Field(
        None,
        validation_alias=AliasChoices("DVIKA_ANALYTICS_CALENDAR_TIMEZONE", "DVIKA_SLA_TIMEZONE"),
    )

    @field_validator("timezone", "calendar_timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
