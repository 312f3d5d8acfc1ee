"""memory and start: resident memory of each service, and how long the services take to start.

RSS is read from /proc/<pid>/status (VmRSS) of each service process, idle right after
start-up and at its peak while the submit load runs (sampled every 0.2 s).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bench.report import Result
from bench.stack import Stack

TARGET_MB = 200
START_TARGET_S = 60
SAMPLE_EVERY_S = 0.2


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    return 0.0


def snapshot(stack: Stack) -> dict[str, float]:
    return {name: rss_mb(pid) for name, pid in stack.pids.items()}


@contextlib.asynccontextmanager
async def peak_rss(stack: Stack) -> AsyncIterator[dict[str, float]]:
    """The highest RSS of each service while the block runs (filled in as it goes)."""
    peaks = snapshot(stack)

    async def sample() -> None:
        while True:
            for name, mb in snapshot(stack).items():
                peaks[name] = max(peaks[name], mb)
            await asyncio.sleep(SAMPLE_EVERY_S)

    sampler = asyncio.create_task(sample())
    try:
        yield peaks
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler


def memory(idle: dict[str, float], loaded: dict[str, float], load: str) -> list[Result]:
    rows = []
    for name in idle:
        for when, mb in (("idle", idle[name]), (f"peak under {load}", loaded[name])):
            rows.append(
                Result(
                    scenario="memory",
                    metric=f"RSS of {name}, {when}",
                    value=round(mb, 1),
                    unit="MB",
                    target=f"< {TARGET_MB}",
                    met=mb < TARGET_MB,
                    detail="VmRSS of the service process",
                )
            )
    return rows


def start(stack: Stack) -> Result:
    return Result(
        scenario="start",
        metric="services launched → every /readyz OK",
        value=round(stack.start_s, 1),
        unit="s",
        target=f"< {START_TARGET_S}",
        met=stack.start_s < START_TARGET_S,
        detail=f"{', '.join(stack.pids)} started one after the other on running servers "
        "(Kafka, PostgreSQL, FerretDB already up); not `make run` itself, which also "
        "starts the servers and the other services",
    )
