"""`make bench`: start fresh servers and services, seed tickets, run the scenarios, write
`bench/results/<date>-<commit>.{json,md,png}` and `latest.*` beside them.

    python -m bench.run            # the full run (100,000 tickets, tens of seconds each)
    python -m bench.run --quick    # a few seconds each, to keep the harness working
    python -m bench.run --only submit,live   # some scenarios (not copied to latest.*)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import (
    report,
    scenario_commands,
    scenario_fanout,
    scenario_intake,
    scenario_knowledge,
    scenario_live,
    scenario_memory,
    scenario_notify,
    scenario_rebuild,
    scenario_reports,
    scenario_sla_timers,
    scenario_start,
    scenario_submit,
    scenarios,
    scratch_topics,
)
from bench.seed_tickets import seed, wait_for_read_model
from bench.stack import ROOT, Stack, running_stack
from contracts.topics import TICKET_EVENTS


async def _wait_for_listing(stack: Stack, tickets: int, timeout_s: float) -> None:
    """Until the gateway's listing index has every ticket (its counts say so)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        login = await client.post(
            "/api/v1/auth/login",
            json={"email": "manager@demo.dvika.care", "password": "dvika-demo"},
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        while time.monotonic() < deadline:
            page = await client.get("/api/v1/tickets", params={"limit": 1}, headers=headers)
            if page.status_code == 200 and page.json()["counts"].get("all", 0) >= tickets:
                return
            await asyncio.sleep(1)
    raise TimeoutError(f"the listing index did not reach {tickets} tickets in {timeout_s} s")


@dataclass(frozen=True)
class Sizes:
    """How much each scenario does: the full run's figures, or a few seconds each."""

    tickets: int = 100_000
    read_seconds: float = 30.0
    read_rate: float = 20.0
    submit_rate: float = 500.0
    submit_seconds: float = 60.0
    ceiling_records: int = 50_000
    live_rate: float = 100.0
    live_seconds: float = 20.0
    fanout_clients: int = 1_000
    fanout_rate: float = 20.0
    fanout_seconds: float = 20.0
    command_tickets: int = 5_000  # the peer does some 50-300 commands/s here
    rebuild_events: int = 500_000
    rebuild_budget_s: float = 180.0
    kb_articles: int = 5_000
    suggest_rate: float = 50.0
    suggest_seconds: float = 30.0
    report_history: int = 100_000  # generated facts over the 89 days before (see the scenario)
    report_rate: float = 4.0  # a manager opening the stats panel (8 charts) every 2 s
    report_seconds: float = 30.0
    report_budget_s: float = 900.0
    sla_timers: int = 10_000
    sla_window_s: float = 20.0  # the submissions, so their timers fall due over this window
    sla_timing: scenario_sla_timers.Timing = scenario_sla_timers.FULL_TIMING
    notify_tickets: int = 1_000  # two mails each
    notify_send_s: float = 10.0
    intake_mails: int = 5_000
    intake_requests: int = 10_000  # and as many again straight, for the ceiling


QUICK = Sizes(
    tickets=2_000,
    read_seconds=3.0,
    read_rate=10.0,
    submit_rate=20.0,
    submit_seconds=3.0,
    ceiling_records=2_000,
    live_rate=10.0,
    live_seconds=3.0,
    fanout_clients=50,
    fanout_seconds=3.0,
    command_tickets=300,
    rebuild_events=2_000,
    rebuild_budget_s=20.0,
    kb_articles=300,
    suggest_rate=20.0,
    suggest_seconds=3.0,
    report_history=2_000,
    report_rate=4.0,
    report_seconds=5.0,
    report_budget_s=180.0,
    sla_timers=200,
    sla_window_s=2.0,
    sla_timing=scenario_sla_timers.QUICK_TIMING,  # a minute at least: see its module
    notify_tickets=50,
    notify_send_s=1.0,
    intake_mails=100,
    intake_requests=300,
)


class Scenarios:
    """Runs each scenario in turn; one that raises becomes a failed row, and the run fails."""

    def __init__(self) -> None:
        self.results: list[report.Result] = []
        self.failed: list[str] = []

    async def run(self, name: str, rows: Awaitable[list[report.Result]]) -> None:
        started = time.perf_counter()
        try:
            self.results += await rows
        except Exception as error:
            traceback.print_exc()
            self.failed.append(name)
            self.results.append(
                report.Result(name, "scenario failed", 0, "", "", False, detail=repr(error)[:300])
            )
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", flush=True)


async def _settle(stack: Stack) -> None:
    """Let the services work off what the last scenario queued before the next one runs."""
    waited = await scratch_topics.settle(stack.kafka, TICKET_EVENTS.name, TICKET_EVENTS.partitions)
    print(f"bench: event log quiet after {waited:.1f} s", flush=True)


SCENARIOS = (
    "start", "list", "reports", "suggest", "submit", "live", "fan-out", "commands", "rebuild",
    "intake", "notify", "sla-timers",
)  # fmt: skip


async def _scenarios(stack: Stack, size: Sizes, only: set[str]) -> Scenarios:
    """Every scenario in `only` (start and memory always: they ride along with the others)."""
    out = Scenarios()
    out.results.append(scenario_memory.start(stack))
    idle = scenario_memory.snapshot(stack)

    seeded: list[int] = []

    async def seeded_tickets() -> None:
        """The N tickets that list, search and reports read, seeded once."""
        if not seeded:
            seeded.append(size.tickets)
            await seed(size.tickets, stack.kafka)
            await wait_for_read_model(stack.mongodb, stack.database, size.tickets, 1800)
            await _wait_for_listing(stack, size.tickets, 600)

    async def read_model() -> list[report.Result]:
        await seeded_tickets()
        return await scenarios.list_and_search(
            stack, size.tickets, size.read_rate, size.read_seconds
        )

    async def reports() -> list[report.Result]:
        await seeded_tickets()
        return await scenario_reports.reports(
            stack, size.report_history, size.report_rate, size.report_seconds,
            size.report_budget_s,
        )  # fmt: skip

    if "start" in only:
        await out.run("start", asyncio.to_thread(scenario_start.make_start))
    if "list" in only:
        await out.run("list and search", read_model())
    if "reports" in only:
        await out.run("reports", reports())
    if "suggest" in only:
        await out.run(
            "suggest",
            scenario_knowledge.suggest(
                stack, size.kb_articles, size.suggest_rate, size.suggest_seconds
            ),
        )
    if "submit" in only:
        async with scenario_memory.peak_rss(stack) as loaded:
            await out.run(
                "submit",
                scenario_submit.submit(
                    stack, size.submit_rate, size.submit_seconds, size.ceiling_records
                ),
            )
        load = f"submit at {size.submit_rate:g}/s"
        await _settle(stack)
        out.results += scenario_memory.memory(idle, dict(loaded), load)
    if "live" in only:
        await out.run("live", scenario_live.live(stack, size.live_rate, size.live_seconds))
    if "fan-out" in only:
        await out.run(
            "fan-out",
            scenario_fanout.fanout(
                stack, size.fanout_clients, size.fanout_rate, size.fanout_seconds
            ),
        )
        await _settle(stack)
    if "commands" in only:
        await out.run("commands", scenario_commands.commands(stack, size.command_tickets, 900))
    if "rebuild" in only:
        await out.run(
            "rebuild", scenario_rebuild.rebuild(stack, size.rebuild_events, size.rebuild_budget_s)
        )
    if "intake" in only:
        await out.run(
            "intake",
            scenario_intake.intake(stack, size.intake_mails, size.intake_requests, 300),
        )
        await _settle(stack)
    if "notify" in only:
        await out.run(
            "notify",
            scenario_notify.notify(stack, size.notify_tickets, size.notify_send_s, 600),
        )
        await _settle(stack)
    if "sla-timers" in only:
        await out.run(
            "sla timers",
            scenario_sla_timers.sla_timers(
                stack, size.sla_timers, size.sla_window_s, size.sla_timing
            ),
        )
    return out


def _commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"some of {','.join(SCENARIOS)}"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if unknown := only - set(SCENARIOS):
        parser.error(f"no such scenario: {', '.join(sorted(unknown))}")
    partial = only != set(SCENARIOS)
    with running_stack() as stack:
        ran = asyncio.run(_scenarios(stack, QUICK if args.quick else Sizes(), only))
    results = ran.results
    commit = _commit()
    suffix = ("-quick" if args.quick else "") + (f"-{'-'.join(sorted(only))}" if partial else "")
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{commit}{suffix}"
    kind = "Bench (quick)" if args.quick else "Bench"
    header = f"{kind} on commit {commit}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    written = report.write(results, args.out, stem, header)
    for path in [] if partial else written:  # `latest` is always a whole run
        shutil.copyfile(path, args.out / f"latest{'-quick' if args.quick else ''}{path.suffix}")
    print((args.out / f"{stem}.md").read_text())
    if ran.failed:
        sys.exit(f"bench: these scenarios failed: {', '.join(ran.failed)}")


if __name__ == "__main__":
    main()
