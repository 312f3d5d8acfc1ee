"""Profile the services while one bench scenario loads them: where a missed target's time goes.

    python -m bench.profile submit            # py-spy on the gateway and tickets, 30 s
    python -m bench.profile fan-out --seconds 20
    python -m bench.profile commands

Starts the bench stack (fresh servers, as `make bench`), attaches `py-spy record` (sampling
from outside the process, so the service runs unchanged) to every service process while the
scenario runs, and writes, per service, the collapsed stacks and a summary of the functions
with the most samples on their own (self) and under them (inclusive) to
`bench/results/profiles/<date>-<commit>-<scenario>-<service>.{txt,folded}`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import scenario_commands, scenario_fanout, scenario_submit
from bench.stack import ROOT, Stack, running_stack

OUT = ROOT / "bench" / "results" / "profiles"
PY_SPY = Path(sys.executable).with_name("py-spy")
TOP = 30


def _load(scenario: str, stack: Stack, seconds: float, rate: float) -> Coroutine[Any, Any, Any]:
    loads: dict[str, Callable[[], Coroutine[Any, Any, Any]]] = {
        "submit": lambda: scenario_submit.submit_load(stack, rate, seconds),
        "fan-out": lambda: scenario_fanout.fanout(stack, 1_000, rate, seconds),
        "commands": lambda: scenario_commands.ours(stack, int(rate * seconds), 600),
    }
    return loads[scenario]()


def summarise(folded: str, top: int = TOP) -> str:
    """The functions with the most samples on their own and under them, from collapsed stacks."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            under[frame] += count
    if not total:
        return "no samples\n"

    def table(title: str, counts: Counter[str]) -> list[str]:
        rows = [f"{title} (share of {total} samples)"]
        rows += [f"{100 * n / total:6.1f} %  {frame}" for frame, n in counts.most_common(top)]
        return rows

    return "\n".join([*table("self", own), "", *table("inclusive", under)]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=("submit", "fan-out", "commands"))
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=300.0, help="requests, events or commands/s")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{commit}-{args.scenario}"
    with running_stack() as stack:
        spies = {
            name: subprocess.Popen(
                [
                    *(str(PY_SPY), "record", "--pid", str(pid), "--format", "raw"),
                    *("--nonblocking", "--rate", "50"),
                    *("--output", str(OUT / f"{stem}-{name}.folded")),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, pid in stack.pids.items()
        }
        try:
            asyncio.run(_load(args.scenario, stack, args.seconds, args.rate))
        finally:
            for spy in spies.values():
                spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            for spy in spies.values():
                spy.wait(timeout=60)
    for name in spies:
        folded = OUT / f"{stem}-{name}.folded"
        if folded.exists():
            summary = summarise(folded.read_text())
            (OUT / f"{stem}-{name}.txt").write_text(summary)
            print(f"== {name}\n{summary}")


if __name__ == "__main__":
    main()
