"""What a report reads: each asked day's part, from its sheet, cached while the day is unchanged.

A request costs one read of the day stamps, then a sheet lookup by `_id` for each day whose
part is not cached under its current stamp. Past days rarely change, so a dashboard asking
again reads only today's sheet; the cache is bounded (least recently used parts go first).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from analytics.domain.sheets import FAMILIES, day_part, kind_of, sheet_id

Part = list[dict[str, Any]]
_PartKey = tuple[str, str, str, tuple[tuple[str, str], ...]]


class SheetSource(Protocol):
    async def day_stamps(self) -> dict[str, dict[str, Any]]: ...

    async def sheets(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...


class ReportReader:
    def __init__(self, source: SheetSource, max_parts: int = 4096) -> None:
        self._source = source
        self._max_parts = max_parts
        self._parts: OrderedDict[_PartKey, tuple[str, Part]] = OrderedDict()

    async def buckets_between(
        self, first: str, last: str, filters: Mapping[str, str], family: str, group_by: str
    ) -> list[dict[str, Any]]:
        """The buckets of the days in [`first`, `last`] (ISO dates), filtered and grouped."""
        stamps = await self._source.day_stamps()
        days = {day: entry["stamp"] for day, entry in stamps.items() if first <= day <= last}
        return await self._buckets(days, filters, family, group_by)

    async def open_buckets(
        self, filters: Mapping[str, str], family: str, group_by: str
    ) -> list[dict[str, Any]]:
        """The buckets of every day that has tickets open now."""
        stamps = await self._source.day_stamps()
        days = {day: entry["stamp"] for day, entry in stamps.items() if entry.get("open")}
        return await self._buckets(days, filters, family, group_by)

    async def _buckets(
        self, days: Mapping[str, str], filters: Mapping[str, str], family: str, group_by: str
    ) -> list[dict[str, Any]]:
        shape = tuple(sorted(filters.items()))
        parts: dict[str, Part] = {}
        missing: dict[str, str] = {}  # sheet id -> day
        for day, stamp in days.items():
            cached = self._parts.get((day, family, group_by, shape))
            if cached is not None and cached[0] == stamp:
                self._parts.move_to_end((day, family, group_by, shape))
                parts[day] = cached[1]
            else:
                missing[sheet_id(day, kind_of(group_by), family)] = day
        if missing:
            found = await self._source.sheets(list(missing))
            fields = FAMILIES[family]
            for ident, day in missing.items():
                sheet = found.get(ident)
                part = day_part(sheet, filters, group_by, fields) if sheet else []
                parts[day] = part
                if sheet is not None:
                    self._remember((day, family, group_by, shape), days[day], part)
        return [bucket for day in sorted(parts) for bucket in parts[day]]

    def _remember(self, key: _PartKey, stamp: str, part: Part) -> None:
        self._parts[key] = (stamp, part)
        self._parts.move_to_end(key)
        while len(self._parts) > self._max_parts:
            self._parts.popitem(last=False)
