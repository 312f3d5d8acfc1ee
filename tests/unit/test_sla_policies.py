"""The policies file: shipped defaults, queue overrides and refusals of bad files."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from kit.business_calendar import AlwaysOpen, BusinessCalendar
from sla.adapters.policy_file import load_policies
from sla.domain.policies import InvalidPolicies, parse_config
from sla.settings import DEFAULT_POLICIES_FILE, SlaSettings


def _defaults() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_POLICIES_FILE.read_text())
    return raw


def test_shipped_defaults() -> None:
    config = load_policies(DEFAULT_POLICIES_FILE)
    p1, p2, p3, p4 = (config.policy_for(p, None) for p in ("P1", "P2", "P3", "P4"))
    assert (p1.first_response_minutes, p1.resolution_minutes, p1.business_hours) == (60, 240, False)
    assert (p2.first_response_minutes, p2.resolution_minutes, p2.business_hours) == (240, 960, True)
    assert (p3.first_response_minutes, p3.resolution_minutes) == (480, 1440)
    assert (p4.first_response_minutes, p4.resolution_minutes) == (960, 2400)
    assert config.calendar == BusinessCalendar("UTC", frozenset(range(5)), time(9), time(17))
    assert config.warning_lead == timedelta(minutes=30)
    resolved = config.quiet_rules["resolved_inactive"]
    waiting = config.quiet_rules["waiting_on_customer"]
    assert (resolved.nudge_after, resolved.close_after) == (timedelta(days=5), timedelta(days=7))
    assert (waiting.nudge_after, waiting.close_after) == (timedelta(days=3), timedelta(days=7))
    assert isinstance(config.working_time(p1), AlwaysOpen)
    assert config.working_time(p2) is config.calendar


def test_a_queue_overrides_a_priority() -> None:
    raw = _defaults()
    raw["policies"]["billing/P2"] = {
        "first_response_minutes": 30,
        "resolution_minutes": 120,
        "business_hours": False,
    }
    config = parse_config(raw)
    assert config.policy_for("P2", "billing").name == "billing/P2"
    assert config.policy_for("P2", "billing").first_response_minutes == 30
    assert config.policy_for("P2", "technical").name == "P2"
    assert config.policy_for("P3", "billing").name == "P3"


def test_timezone_holidays_and_lead_come_from_the_file_or_the_setting(tmp_path: Path) -> None:
    raw = _defaults()
    raw["calendar"]["holidays"] = ["2026-12-25"]
    raw["warning_lead_minutes"] = 45
    path = tmp_path / "policies.yaml"
    path.write_text(yaml.safe_dump(raw))
    config = load_policies(path, timezone="Asia/Kolkata")
    assert config.calendar.timezone == "Asia/Kolkata"
    assert config.calendar.holidays == frozenset({date(2026, 12, 25)})
    assert config.warning_lead == timedelta(minutes=45)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda raw: raw["policies"].pop("P3"), "no policy for P3"),
        (lambda raw: raw["policies"].update({"P5": raw["policies"]["P1"]}), "P5"),
        (lambda raw: raw["policies"]["P1"].update({"first_response_minutes": 0}), "greater"),
        (lambda raw: raw["calendar"].update({"timezone": "Nowhere/Town"}), "calendar"),
        (lambda raw: raw["calendar"].update({"weekdays": ["funday"]}), "weekdays"),
        (lambda raw: raw["calendar"].update({"hours": {"start": "18:00", "end": "09:00"}}), "open"),
        (lambda raw: raw.update({"surprise": 1}), "surprise"),
        (
            lambda raw: raw["auto_close"]["resolved_inactive"].update({"close_after_hours": 24}),
            "close_after must exceed",
        ),
    ],
)
def test_bad_policies_are_refused_with_the_reason(change: Any, complaint: str) -> None:
    raw = _defaults()
    change(raw)
    with pytest.raises(InvalidPolicies, match=complaint):
        parse_config(raw)


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicies, match="cannot read"):
        load_policies(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("policies: [unclosed")
    with pytest.raises(InvalidPolicies, match="not YAML"):
        load_policies(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(InvalidPolicies, match=r"empty\.yaml"):
        load_policies(empty)


def test_settings_read_their_own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVIKA_SLA_BACKFILL", "false")
    monkeypatch.setenv("DVIKA_SLA_TICK_S", "5")
    monkeypatch.setenv("DVIKA_SLA_TIMEZONE", "Europe/Berlin")
    settings = SlaSettings()
    assert settings.backfill is False
    assert settings.tick_s == 5
    assert settings.timezone == "Europe/Berlin"
    assert settings.policies_file == DEFAULT_POLICIES_FILE
    assert settings.http_port == 8084
