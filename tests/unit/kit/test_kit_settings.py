from __future__ import annotations

import os

import pytest

from kit.settings import ServiceSettings, service_port_field

_VARIABLES = (
    "KAFKA_BOOTSTRAP_SERVERS",
    "DVIKA_KAFKA_BOOTSTRAP_SERVERS",
    "MONGODB_URL",
    "DVIKA_MONGODB_URL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "DVIKA_OTEL_EXPORTER_OTLP_ENDPOINT",
    "DVIKA_HTTP_PORT",
    "DVIKA_DEMO_HTTP_PORT",
    "DVIKA_SERVICE_NAME",
    "DVIKA_LOG_FORMAT",
)


class DemoSettings(ServiceSettings):
    service_name: str = "demo"
    http_port: int = service_port_field("demo", 8099)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = ServiceSettings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.mongodb_url == "mongodb://127.0.0.1:27017/"
    assert settings.http_port == 8090
    assert settings.log_format == "json"
    assert settings.otel_exporter_otlp_endpoint is None
    assert settings.instance_id.endswith(f"-{os.getpid()}")


def test_unprefixed_standard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("MONGODB_URL", "mongodb://mongo:27017/")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318")
    settings = ServiceSettings()
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.mongodb_url == "mongodb://mongo:27017/"
    assert settings.otel_exporter_otlp_endpoint == "http://otel:4318"


def test_prefixed_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("DVIKA_KAFKA_BOOTSTRAP_SERVERS", "other:9092")
    monkeypatch.setenv("DVIKA_MONGODB_URL", "mongodb://dvika-mongo/")
    monkeypatch.setenv("DVIKA_SERVICE_NAME", "renamed")
    monkeypatch.setenv("DVIKA_LOG_FORMAT", "console")
    settings = ServiceSettings()
    assert settings.kafka_bootstrap_servers == "other:9092"
    assert settings.mongodb_url == "mongodb://dvika-mongo/"
    assert settings.service_name == "renamed"
    assert settings.log_format == "console"


def test_field_names_work_as_keywords() -> None:
    settings = ServiceSettings(kafka_bootstrap_servers="k:1", mongodb_url="mongodb://m/")
    assert settings.kafka_bootstrap_servers == "k:1"
    assert settings.mongodb_url == "mongodb://m/"


def test_subclass_defaults_and_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DemoSettings().service_name == "demo"
    assert DemoSettings().http_port == 8099
    monkeypatch.setenv("DVIKA_HTTP_PORT", "9000")
    assert DemoSettings().http_port == 9000
    monkeypatch.setenv("DVIKA_DEMO_HTTP_PORT", "9001")
    assert DemoSettings().http_port == 9001
    assert DemoSettings(http_port=9002).http_port == 9002
