"""The system under test for `make bench`: fresh servers of the `bench` profile and the
services as processes, on ports of their own (Kafka 29092, FerretDB 27037, HTTP 2808x)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".state" / "bench"
KAFKA = "127.0.0.1:29092"
MONGODB = "mongodb://127.0.0.1:27037/"
DATABASE = "dvika_bench"
SERVICES = {"tickets": 28081, "gateway": 28080}
# Started by their scenarios only (`on_demand_service`); the gateway points at them from start.
KNOWLEDGE_PORT = 28087
ANALYTICS_PORT = 28086
POSTGRES_PORT = 5453  # the bench profile's PostgreSQL (FerretDB's backend; the peer's too)


@dataclass(frozen=True)
class Stack:
    gateway_url: str
    kafka: str = KAFKA
    mongodb: str = MONGODB
    database: str = DATABASE
    # Seconds from launching the first service to the last one answering /readyz.
    start_s: float = 0.0
    # Process ids of the services by name, to read their resident memory.
    pids: dict[str, int] = field(default_factory=dict)
    postgres_port: int = POSTGRES_PORT
    # The environment the services were started with (`on_demand_service` starts more).
    service_env: dict[str, str] = field(default_factory=dict)


def _infra(action: str) -> None:
    env = {**os.environ, "DVIKA_PROFILE": "bench"}
    subprocess.run([str(ROOT / "deploy/local/infra.sh"), action], env=env, check=True)


def _wait_ready(url: str, process: subprocess.Popen[bytes], deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode} during start-up")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready after {deadline_s} s")


@contextmanager
def running_stack() -> Iterator[Stack]:
    """Fresh servers (the bench profile's data is wiped first) and the services on top."""
    _infra("down")
    shutil.rmtree(STATE, ignore_errors=True)
    _infra("up")
    logs = STATE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "MONGODB_URL": MONGODB,
        "DVIKA_MONGODB_DATABASE": DATABASE,
        "DVIKA_LOG_LEVEL": "WARNING",
        "DVIKA_PUBLIC_REQUESTS_PER_MINUTE": "0",
        "DVIKA_LOGIN_ATTEMPTS_PER_MINUTE": "0",
        "DVIKA_JWT_SECRET": "bench-only-secret-bench-only-secret-0123",
        "DVIKA_LISTING_INDEX_DIR": str(STATE / "index"),
        "DVIKA_KNOWLEDGE_URL": f"http://127.0.0.1:{KNOWLEDGE_PORT}",
        "DVIKA_ANALYTICS_URL": f"http://127.0.0.1:{ANALYTICS_PORT}",
    }
    (STATE / "index").mkdir(exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        launched = time.perf_counter()
        for name, port in SERVICES.items():
            with (logs / f"{name}.log").open("ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", name],
                    env={**env, "DVIKA_HTTP_PORT": str(port)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
            _wait_ready(f"http://127.0.0.1:{port}", process, 90)
        start_s = time.perf_counter() - launched
        subprocess.run(
            [str(ROOT / ".venv/bin/dvika-demo-accounts")], env=env, check=True, capture_output=True
        )
        yield Stack(
            gateway_url=f"http://127.0.0.1:{SERVICES['gateway']}",
            start_s=start_s,
            pids={name: p.pid for name, p in zip(SERVICES, processes, strict=True)},
            service_env=env,
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _infra("down")


@contextmanager
def on_demand_service(
    stack: Stack, name: str, port: int, extra_env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """One more service for one scenario only (sla, notify, intake): started with the stack's
    environment plus `extra_env`, ready on `port`, stopped afterwards. Running them for the
    whole run would add their work to every other scenario's measurements."""
    logs = STATE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {**stack.service_env, "DVIKA_HTTP_PORT": str(port), **(extra_env or {})}
    with (logs / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", name], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        # Up to minutes: sla and notify read the whole ticket log first in a full run.
        _wait_ready(f"http://127.0.0.1:{port}", process, 600)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
