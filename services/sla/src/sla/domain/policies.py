"""SLA policies: targets per priority (optionally per queue), the calendar, the automation.

`parse_config` turns the mapping of a policies file (YAML, see `default_policies.yaml`)
into an `SlaConfig`; reading the file is the adapters' business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.values import NudgeKind, SlaTarget
from kit.business_calendar import AlwaysOpen, BusinessCalendar, CalendarSpec, WorkingTime

_POLICY_KEY = re.compile(r"^([a-z0-9][a-z0-9_-]*/)?P[1-4]$")
Minutes = Annotated[int, Field(ge=1, le=525_600)]
Hours = Annotated[float, Field(gt=0, le=8_760)]


class InvalidPolicies(ValueError):
    """A policies file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Policy:
    name: str  # "P2" or "billing/P2"
    first_response_minutes: int
    resolution_minutes: int
    business_hours: bool

    def minutes(self, target: SlaTarget) -> int:
        return (
            self.first_response_minutes if target == "first_response" else self.resolution_minutes
        )


@dataclass(frozen=True)
class QuietRule:
    """Nudge the customer after `nudge_after` of quiet, close `close_after` after it began."""

    nudge_after: timedelta
    close_after: timedelta


@dataclass(frozen=True)
class SlaConfig:
    policies: Mapping[str, Policy]
    calendar: BusinessCalendar
    warning_lead: timedelta
    quiet_rules: Mapping[NudgeKind, QuietRule]

    def policy_for(self, priority: str, queue: str | None) -> Policy:
        """The queue's own policy for the priority ("billing/P1") if any, else the priority's."""
        if queue is not None and f"{queue}/{priority}" in self.policies:
            return self.policies[f"{queue}/{priority}"]
        return self.policies[priority]

    def working_time(self, policy: Policy) -> WorkingTime:
        return self.calendar if policy.business_hours else AlwaysOpen()


# --- the file's shape ----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _PolicyFile(_Strict):
    first_response_minutes: Minutes
    resolution_minutes: Minutes
    business_hours: bool


class _QuietFile(_Strict):
    nudge_after_hours: Hours
    close_after_hours: Hours


class _AutoCloseFile(_Strict):
    resolved_inactive: _QuietFile = _QuietFile(nudge_after_hours=120, close_after_hours=168)
    waiting_on_customer: _QuietFile = _QuietFile(nudge_after_hours=72, close_after_hours=168)


class _ConfigFile(_Strict):
    warning_lead_minutes: Annotated[int, Field(ge=0, le=10_080)] = 30
    # The shared shape (kit.business_calendar): analytics reads the same section.
    calendar: CalendarSpec = CalendarSpec()
    policies: dict[str, _PolicyFile]
    auto_close: _AutoCloseFile = _AutoCloseFile()

    @field_validator("policies")
    @classmethod
    def _every_priority_has_a_policy(cls, value: dict[str, _PolicyFile]) -> dict[str, _PolicyFile]:
        missing = [p for p in ("P1", "P2", "P3", "P4") if p not in value]
        if missing:
            raise ValueError(f"no policy for {', '.join(missing)}")
        for key in value:
            if not _POLICY_KEY.match(key):
                raise ValueError(f"policy key {key!r} is not P1-P4 or <queue>/P1-P4")
        return value


def parse_config(raw: Any, *, timezone: str | None = None) -> SlaConfig:
    """An `SlaConfig` from a policies file's mapping; `timezone` overrides the file's."""
    try:
        parsed = _ConfigFile.model_validate(raw)
    except ValidationError as error:
        raise InvalidPolicies(_summary(error)) from error
    for nudge_kind, rule in (
        ("resolved_inactive", parsed.auto_close.resolved_inactive),
        ("waiting_on_customer", parsed.auto_close.waiting_on_customer),
    ):
        if rule.close_after_hours <= rule.nudge_after_hours:
            raise InvalidPolicies(f"auto_close.{nudge_kind}: close_after must exceed nudge_after")
    try:
        calendar = parsed.calendar.build(timezone=timezone)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise InvalidPolicies(f"calendar: {error}") from error
    return SlaConfig(
        policies={
            key: Policy(key, p.first_response_minutes, p.resolution_minutes, p.business_hours)
            for key, p in parsed.policies.items()
        },
        calendar=calendar,
        warning_lead=timedelta(minutes=parsed.warning_lead_minutes),
        quiet_rules={
            "resolved_inactive": _quiet(parsed.auto_close.resolved_inactive),
            "waiting_on_customer": _quiet(parsed.auto_close.waiting_on_customer),
        },
    )


def _quiet(rule: _QuietFile) -> QuietRule:
    return QuietRule(
        timedelta(hours=rule.nudge_after_hours), timedelta(hours=rule.close_after_hours)
    )


def _summary(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()
    )
