"""An in-memory stand-in for the analytics store's sheet reads, built from daily buckets
with the service's own `day_sheets`, for the reports route's unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analytics.domain.sheets import day_sheets


class SheetsInMemory:
    def __init__(self, buckets: Sequence[dict[str, Any]]) -> None:
        by_day: dict[str, list[dict[str, Any]]] = {}
        for bucket in buckets:
            by_day.setdefault(str(bucket["day"]), []).append(bucket)
        self.stamps = {
            day: {"stamp": "first", "open": sum(int(b.get("open", 0)) for b in found)}
            for day, found in by_day.items()
        }
        self.docs = {
            sheet["_id"]: sheet for day, found in by_day.items() for sheet in day_sheets(day, found)
        }
        # The sheet ids each request looked up (cached days are not looked up again).
        self.asked: list[list[str]] = []

    async def day_stamps(self) -> dict[str, dict[str, Any]]:
        return {day: dict(entry) for day, entry in self.stamps.items()}

    async def sheets(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.asked.append(sorted(ids))
        return {i: self.docs[i] for i in ids if i in self.docs}
