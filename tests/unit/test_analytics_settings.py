"""Analytics settings: the team time zone is checked at start, not at the first report."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from analytics.settings import AnalyticsSettings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DVIKA_ANALYTICS_TIMEZONE", raising=False)
    settings = AnalyticsSettings()
    assert (settings.timezone, settings.http_port) == ("UTC", 8086)
    assert settings.consumer_group == "dvika-analytics-facts"


def test_the_time_zone_comes_from_its_own_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVIKA_ANALYTICS_TIMEZONE", "America/New_York")
    assert AnalyticsSettings().zone.key == "America/New_York"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    monkeypatch.setenv("DVIKA_ANALYTICS_TIMEZONE", zone)
    with pytest.raises(ValidationError, match="time zone"):
        AnalyticsSettings()
