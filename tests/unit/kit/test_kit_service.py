from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from contracts.topics import ALL_TOPICS
from kit.service import ops_only_app, run
from kit.settings import ServiceSettings


@pytest.fixture
def keep_sigterm_handler() -> Iterator[None]:
    handler = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, handler)


def test_ops_only_app_has_the_ops_routes() -> None:
    settings = ServiceSettings(service_name="demo")
    # No `with`: the lifespan (which waits for Kafka) does not run.
    client = TestClient(ops_only_app(settings, topics=ALL_TOPICS))
    assert client.get("/healthz").json() == {"status": "ok", "service": "demo"}
    assert client.get("/metrics").status_code == 200


@pytest.mark.usefixtures("keep_sigterm_handler")
def test_run_runs_the_coroutine_and_swallows_ctrl_c() -> None:
    seen: list[str] = []

    async def main() -> None:
        seen.append("ran")

    async def interrupted() -> None:
        raise KeyboardInterrupt

    run(main)
    run(interrupted)
    assert seen == ["ran"]
