from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kit import metrics, ops
from kit.ops import add_ops_routes


async def _ok() -> None:
    return None


async def _broken() -> None:
    raise ConnectionError("broker down")


async def _hangs() -> None:
    await asyncio.sleep(60)


def _client(**checks: ops.ReadinessCheck) -> TestClient:
    app = FastAPI()
    add_ops_routes(app, service="demo", checks=checks or None)
    return TestClient(app)


def test_healthz_answers_while_the_process_runs() -> None:
    response = _client(kafka=_broken).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "demo"}


def test_readyz_without_checks_is_ready() -> None:
    response = _client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {}


def test_readyz_ready_when_every_check_passes() -> None:
    response = _client(kafka=_ok, mongo=_ok).get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["checks"] == {"kafka": "ok", "mongo": "ok"}


def test_readyz_503_names_the_failing_check() -> None:
    response = _client(kafka=_ok, mongo=_broken).get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"] == {"kafka": "ok", "mongo": "ConnectionError: broker down"}


def test_readyz_times_out_a_hanging_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops, "CHECK_TIMEOUT_S", 0.05)
    response = _client(slow=_hangs).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["slow"].startswith("timed out")


def test_metrics_exposes_the_shared_dvika_metrics() -> None:
    metrics.MESSAGES_CONSUMED.labels("demo", "dvika.test.v1").inc()
    response = _client().get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.text
    assert 'dvika_messages_consumed_total{service="demo",topic="dvika.test.v1"}' in text
    for name in (
        "dvika_messages_produced_total",
        "dvika_handler_seconds",
        "dvika_handler_errors_total",
        "dvika_dead_letters_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text


def test_metrics_speaks_openmetrics_when_asked() -> None:
    response = _client().get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")
