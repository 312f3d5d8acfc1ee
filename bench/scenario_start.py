"""start: `make start` (what `make run` does, detached) from warm caches to every service ready.

`make start` checks the tools and dependencies, starts Kafka, PostgreSQL and FerretDB of the
development profile, builds the UI when stale, starts the eight services, waits for every
`/readyz`, starts Prometheus and creates the demo accounts; the clock runs from the command
to its return, and each `/readyz` is asked once more after it. `make stop` ends it all
however the timing went. The development profile's own ports are used (8080-8087, Kafka
9092): if something already answers on 8080 (a developer's `make run`), the scenario refuses
rather than time a start that did nothing.
"""

from __future__ import annotations

import os
import subprocess
import time

import httpx

from bench.report import Result
from bench.stack import ROOT

TARGET_S = 60.0
PORTS = {"tickets": 8081, "gateway": 8080, "intake": 8082, "routing": 8083, "sla": 8084,
         "notify": 8085, "analytics": 8086, "knowledge": 8087}  # fmt: skip


def _make(target: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    # A make of its own: not the bench's flags (QUICK=1, -j) nor its level.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(
        ["make", "-s", target], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout_s, check=False,
    )  # fmt: skip


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def make_start(timeout_s: float = 600) -> list[Result]:
    if _answers("http://127.0.0.1:8080/healthz"):
        raise RuntimeError("something already answers on 8080 (a `make run`?): not timed")
    started = time.perf_counter()
    try:
        done = _make("start", timeout_s)
        took = time.perf_counter() - started
        if done.returncode != 0 or "Dvika Care is running" not in done.stdout:
            raise RuntimeError(f"make start failed ({done.returncode}): {done.stdout[-800:]}")
        not_ready = [n for n, p in PORTS.items() if not _answers(f"http://127.0.0.1:{p}/readyz")]
        if not_ready:
            raise RuntimeError(f"not ready after make start: {', '.join(not_ready)}")
    finally:
        _make("stop", 120)
    return [
        Result(
            scenario="start",
            metric="`make start` (as `make run`, detached) → every /readyz OK",
            value=round(took, 1),
            unit="s",
            target=f"< {TARGET_S:g}",
            met=took < TARGET_S,
            detail="warm caches (tools, dependencies, UI build); starts Kafka, PostgreSQL, "
            "FerretDB, the eight services, Prometheus and the demo accounts of the "
            "development profile, then `make stop`",
        )
    ]
