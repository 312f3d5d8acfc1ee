"""Real Kafka and MongoDB-protocol servers for a test run, started once per run.

Order of preference: `KAFKA_BOOTSTRAP_SERVERS` / `MONGODB_URL` from the environment; else
testcontainers when a Docker engine answers; else the project's own native servers
(deploy/local/infra.sh, profile `test`: own ports and data, so `make run` can run beside).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "deploy" / "local" / "infra.sh"
TEST_STATE = ROOT / ".state" / "test"


@dataclass(frozen=True)
class Servers:
    kafka_bootstrap: str
    mongodb_url: str
    origin: str


@contextmanager
def test_servers() -> Iterator[Servers]:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    mongo = os.environ.get("MONGODB_URL")
    if kafka and mongo:
        yield Servers(kafka, mongo, "environment")
    elif _docker_answers():
        with _containers() as servers:
            yield servers
    else:
        with _native() as servers:
            yield servers


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@contextmanager
def _containers() -> Iterator[Servers]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    with (
        KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka,
        MongoDbContainer("mongo:8") as mongo,
    ):
        yield Servers(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")


@contextmanager
def _one_run_at_a_time() -> Iterator[None]:
    """Two test runs in one checkout would stop each other's servers; the second waits."""
    TEST_STATE.mkdir(parents=True, exist_ok=True)
    with (TEST_STATE.parent / "test-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def _native() -> Iterator[Servers]:
    with _one_run_at_a_time(), _native_servers() as servers:
        yield servers


@contextmanager
def _native_servers() -> Iterator[Servers]:
    env = {**os.environ, "DVIKA_PROFILE": "test"}
    keep = os.environ.get("DVIKA_KEEP_TEST_SERVERS") == "1"

    def infra(verb: str) -> str:
        return subprocess.run(
            [str(INFRA), verb], env=env, check=True, capture_output=True, text=True
        ).stdout

    if not keep:
        # A fresh log per run: tests see only their own events and start-up stays fast.
        subprocess.run([str(INFRA), "down"], env=env, check=False, capture_output=True)
        for sub in ("kafka", "pg", "ferretdb"):
            shutil.rmtree(TEST_STATE / sub, ignore_errors=True)
    up = subprocess.run([str(INFRA), "up"], env=env, capture_output=True, text=True)
    if up.returncode != 0:
        raise RuntimeError(f"native test servers did not start:\n{up.stdout}\n{up.stderr}")
    values = dict(line.split("=", 1) for line in infra("env").split() if "=" in line)
    try:
        yield Servers(values["KAFKA_BOOTSTRAP_SERVERS"], values["MONGODB_URL"], "native")
    finally:
        if not keep:
            subprocess.run([str(INFRA), "down"], env=env, check=False, capture_output=True)
