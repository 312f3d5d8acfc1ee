"""The intake's settings: development defaults, and its own DVIKA_INTAKE_ variables."""

from __future__ import annotations

import pytest

from intake.settings import IntakeSettings


def test_development_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DVIKA_HTTP_PORT", "DVIKA_INTAKE_HTTP_PORT", "DVIKA_INTAKE_SMTP_PORT",
                 "DVIKA_INTAKE_SMTP_HOST", "DVIKA_INTAKE_SUPPORT_ADDRESS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    settings = IntakeSettings()
    assert (settings.http_port, settings.smtp_host, settings.smtp_port) == (8082, "127.0.0.1", 2525)
    assert settings.support_address == "support@dvika.care"
    assert settings.message_id_domain == "dvika.care"


def test_the_intakes_own_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVIKA_INTAKE_SMTP_PORT", "0")
    monkeypatch.setenv("DVIKA_INTAKE_SUPPORT_ADDRESS", "help@example.com")
    monkeypatch.setenv("DVIKA_INTAKE_REFERENCE_WAIT_S", "1.5")
    # A generic name another service might use for its own SMTP settings is not the intake's.
    monkeypatch.setenv("DVIKA_SMTP_PORT", "25")
    settings = IntakeSettings()
    assert (settings.smtp_port, settings.support_address) == (0, "help@example.com")
    assert settings.reference_wait_s == 1.5
    assert IntakeSettings(smtp_port=2600).smtp_port == 2600
