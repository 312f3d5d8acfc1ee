"""The JWT secret: required in production, random per process in development."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from gateway.identity.service import InsecureConfiguration, jwt_secret
from gateway.settings import GatewaySettings

GOOD = "k" * 40


def settings(**values: object) -> GatewaySettings:
    if values.get("environment") == "production":
        values.setdefault("tracking_secret", "t" * 40)  # production requires its own, too
    return GatewaySettings.model_validate(values)


def test_production_without_a_secret_does_not_start() -> None:
    with pytest.raises(InsecureConfiguration, match="DVIKA_JWT_SECRET"):
        jwt_secret(settings(environment="production"))


def test_development_without_a_secret_gets_a_random_one_per_process() -> None:
    dev = settings()
    assert dev.environment == "development"
    first, second = jwt_secret(dev), jwt_secret(dev)
    assert first != second
    assert len(first.encode()) >= 32


@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_given_secret_is_used_and_must_be_long_enough(environment: str) -> None:
    assert jwt_secret(settings(environment=environment, jwt_secret=GOOD)) == GOOD
    with pytest.raises(InsecureConfiguration, match="32 bytes"):
        jwt_secret(settings(environment=environment, jwt_secret="short"))


def test_the_environment_names_the_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVIKA_ENVIRONMENT", "production")
    monkeypatch.setenv("DVIKA_JWT_SECRET", GOOD)
    monkeypatch.setenv("DVIKA_TRACKING_SECRET", "t" * 40)
    monkeypatch.setenv("DVIKA_LOGIN_ATTEMPTS_PER_MINUTE", "3")
    loaded = GatewaySettings()
    assert loaded.environment == "production"
    assert loaded.jwt_secret == SecretStr(GOOD)
    assert GOOD not in repr(loaded)
    assert loaded.login_attempts_per_minute == 3
    assert loaded.access_token_ttl_s == 900
    assert loaded.refresh_token_ttl_s == 14 * 24 * 3600


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVIKA_ENVIRONMENT", "staging")
    with pytest.raises(ValueError, match="environment"):
        GatewaySettings()
