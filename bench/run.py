"""`make bench`: start fresh servers and services, seed tickets, run the scenarios, write
`bench/results/<date>-<commit>.{json,md,png}` and `latest.*` beside them.

    python -m bench.run            # the full run (100,000 tickets, 30 s per scenario)
    python -m bench.run --quick    # a few seconds each, to keep the harness working
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import report, scenarios
from bench.seed_tickets import seed, wait_for_read_model
from bench.stack import ROOT, Stack, running_stack


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


async def _scenarios(stack: Stack, quick: bool) -> list[report.Result]:
    tickets = 2_000 if quick else 100_000
    await seed(tickets, stack.kafka)
    await wait_for_read_model(stack.mongodb, stack.database, tickets, 1800)
    await _wait_for_listing(stack, tickets, 600)
    seconds, rate = (3.0, 10.0) if quick else (30.0, 20.0)
    return await scenarios.list_and_search(stack, tickets, rate, seconds)


def _commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    with running_stack() as stack:
        results = asyncio.run(_scenarios(stack, args.quick))
    commit = _commit()
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{commit}{'-quick' if args.quick else ''}"
    kind = "Bench (quick)" if args.quick else "Bench"
    header = f"{kind} on commit {commit}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    written = report.write(results, args.out, stem, header)
    for path in written:
        shutil.copyfile(path, args.out / f"latest{'-quick' if args.quick else ''}{path.suffix}")
    print((args.out / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
