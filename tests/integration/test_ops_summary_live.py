"""The Ops summary from a real Prometheus (Debian's package) scraping real service processes.

Prometheus runs with the committed deploy/prometheus/prometheus.yml, its targets moved to
this test's ports; the gateway (its own process, DVIKA_PROMETHEUS_URL pointing there) and the
routing service are real processes on real Kafka and MongoDB. The routing service is
SIGKILLed and must show as down within 15 s; with Prometheus stopped the route answers 503.
Skipped when `prometheus` is not installed (`make prometheus-tools`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from support.ports import free_port
from support.processes import ServiceProcess
from support.servers import ROOT
from support.waiting import eventually

pytestmark = [
    pytest.mark.kafka,
    pytest.mark.mongo,
    pytest.mark.skipif(
        shutil.which("prometheus") is None,
        reason="prometheus not installed (make prometheus-tools)",
    ),
]

DOWN_WITHIN_S = 15.0


def config_for(ports: dict[str, int], folder: Path) -> Path:
    """The committed configuration, with only these jobs, on these ports."""
    source = ROOT / "deploy" / "prometheus"
    config: dict[str, Any] = yaml.safe_load((source / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    config["scrape_configs"] = []
    for name, port in ports.items():
        job = dict(jobs[name])
        job["static_configs"] = [{"targets": [f"127.0.0.1:{port}"]}]
        config["scrape_configs"].append(job)
    shutil.copy(source / "alerts.yml", folder / "alerts.yml")
    shutil.copytree(source / "targets", folder / "targets")
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


class Prometheus:
    def __init__(self, config: Path, data: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data.with_suffix(".log")
        self.process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    async def ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-2000:]
        try:
            async with httpx.AsyncClient(timeout=1) as client:
                return (await client.get(f"{self.url}/-/ready")).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def processes(service_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, Any]]:
    gateway_port, routing_port = free_port(), free_port()
    prometheus = Prometheus(
        config_for({"gateway": gateway_port, "routing": routing_port}, tmp_path),
        tmp_path / "data",
    )
    env = {**service_env, "DVIKA_PROMETHEUS_URL": prometheus.url}
    gateway = ServiceProcess("gateway", gateway_port, env)
    # Without backfill: routing must leave the other tests' tickets alone.
    routing = ServiceProcess(
        "routing", routing_port, {**service_env, "DVIKA_ROUTING_BACKFILL": "false"}
    )
    try:
        gateway.start()
        routing.start()
        demo_accounts = Path(sys.executable).with_name("dvika-demo-accounts")
        subprocess.run(
            [str(demo_accounts)], env={**os.environ, **env}, check=True, capture_output=True
        )
        yield {"prometheus": prometheus, "gateway": gateway, "routing": routing}
    finally:
        routing.stop()
        gateway.stop()
        prometheus.stop()


def _login(gateway: ServiceProcess, role: str) -> dict[str, str]:
    answer = httpx.post(
        f"{gateway.url}/api/v1/auth/login",
        json={"email": f"{role}@demo.dvika.care", "password": "dvika-demo"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def test_a_killed_service_shows_down_and_a_stopped_prometheus_503(
    processes: dict[str, Any],
) -> None:
    prometheus: Prometheus = processes["prometheus"]
    gateway: ServiceProcess = processes["gateway"]
    routing: ServiceProcess = processes["routing"]
    await eventually(prometheus.ready, timeout_s=30, what="Prometheus ready")
    admin = _login(gateway, "admin")
    summary_url = f"{gateway.url}/api/v1/ops/summary"

    async def statuses() -> dict[str, str] | None:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(summary_url, headers=admin)
        assert answer.status_code == 200, answer.text
        return {row["service"]: row["status"] for row in answer.json()["services"]}

    async def both_up() -> dict[str, str] | None:
        seen = await statuses()
        return seen if seen == {"gateway": "up", "routing": "up"} else None

    await eventually(both_up, timeout_s=30, what="gateway and routing up", interval_s=0.5)

    agent_headers = _login(gateway, "agent")
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(summary_url, headers=agent_headers)).status_code == 403

    routing.kill()
    killed_at = time.monotonic()

    async def routing_down() -> dict[str, str] | None:
        seen = await statuses()
        return seen if seen and seen.get("routing") == "down" else None

    seen = await eventually(
        routing_down, timeout_s=DOWN_WITHIN_S, what="routing shown down", interval_s=0.5
    )
    assert seen["gateway"] == "up"
    assert time.monotonic() - killed_at <= DOWN_WITHIN_S

    prometheus.stop()
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(summary_url, headers=admin)
    assert answer.status_code == 503
    assert "cannot be reached" in answer.json()["detail"]
