"""The rules this replica routes by: loaded (or seeded) at start, re-read every few seconds.

Admins change the stored rules through any replica (`PUT /rules`); that replica switches at
once, the others when they next re-read (`rules_refresh_s`, 10 s by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog

from routing.adapters.rules_store import RulesStore, StoredRules
from routing.domain.rules import RuleSet, load_rules_yaml
from routing.domain.tracker import RoutingTracker

log = structlog.get_logger(__name__)


def read_rules_file(path: Path) -> RuleSet:
    """The rules of a YAML file; raises `InvalidRules` (or OSError) if unusable."""
    return load_rules_yaml(path.read_text(encoding="utf-8"))


class RulesKeeper:
    def __init__(
        self,
        store: RulesStore,
        tracker: RoutingTracker,
        seed_file: Path,
        clock: Callable[[], datetime],
        refresh_s: float,
    ) -> None:
        self._store = store
        self._tracker = tracker
        self._seed_file = seed_file
        self._clock = clock
        self._refresh_s = refresh_s
        self.current: StoredRules | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        stored = await self._store.load()
        if stored is None:
            stored = await self._store.seed(read_rules_file(self._seed_file), self._clock())
            log.info("routing rules seeded", file=str(self._seed_file), version=stored.version)
        self.use(stored)
        self._task = asyncio.create_task(self._refresh_forever(), name="routing:rules-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def use(self, stored: StoredRules) -> None:
        if self.current is not None and stored.version <= self.current.version:
            return  # never step back to older rules (a slow re-read racing a save)
        self.current = stored
        self._tracker.rules = stored.rules
        log.info("routing rules in use", version=stored.version)

    async def replace(self, rules: RuleSet, expected_version: int, by: str | None) -> StoredRules:
        """Store new rules (raises `StaleVersion`) and route by them from now on."""
        stored = await self._store.replace(rules, expected_version, self._clock(), by)
        self.use(stored)
        return stored

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                stored = await self._store.load()
            except Exception:
                log.exception("re-reading the routing rules failed; keeping the current ones")
                continue
            if stored is not None:
                self.use(stored)
