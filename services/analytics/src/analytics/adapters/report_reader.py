"""What a report reads: each asked day's part, from its sheet, cached while the day is unchanged.

A request costs one read of the day stamps, then a sheet lookup by `_id` for each day whose
part is not cached under its current stamp. Past days rarely change, so a dashboard asking
again reads only today's sheet; the cache is bounded (least recently used parts go first).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from analytics.domain.sheets import FAMILIES, day_part, kind_of, sheet_id

Part = list[dict[str, Any]]
_PartKey = tuple[str, str, str, tuple[tuple[str, str], ...]]
_LoadKey = tuple[str, str, str, tuple[tuple[str, str], ...], str]


class SheetSource(Protocol):
    async def day_stamps(self) -> dict[str, dict[str, Any]]: ...

    async def sheets(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...


class ReportReader:
    def __init__(self, source: SheetSource, max_parts: int = 4096) -> None:
        self._source = source
        self._max_parts = max_parts
        self._parts: OrderedDict[_PartKey, tuple[str, Part]] = OrderedDict()
        # Days being read now, by part and stamp: a request asking for one waits for that read
        # instead of reading it again (a dashboard's charts arrive together, cache cold).
        self._loading: dict[_LoadKey, asyncio.Future[Part]] = {}

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
        waiting: dict[str, asyncio.Future[Part]] = {}
        mine: dict[str, str] = {}  # sheet id -> day, for the days this request loads
        for day, stamp in days.items():
            key = (day, family, group_by, shape)
            cached = self._parts.get(key)
            if cached is not None and cached[0] == stamp:
                self._parts.move_to_end(key)
                parts[day] = cached[1]
            elif (loading := self._loading.get((*key, stamp))) is not None:
                waiting[day] = loading  # another request is reading this day already
            else:
                self._loading[(*key, stamp)] = asyncio.get_running_loop().create_future()
                mine[sheet_id(day, kind_of(group_by), family)] = day
        if mine:
            await self._load(mine, days, filters, family, group_by, shape, parts)
        for day, loading in waiting.items():
            parts[day] = await asyncio.shield(loading)
        return [bucket for day in sorted(parts) for bucket in parts[day]]

    async def _load(
        self,
        mine: Mapping[str, str],
        days: Mapping[str, str],
        filters: Mapping[str, str],
        family: str,
        group_by: str,
        shape: tuple[tuple[str, str], ...],
        parts: dict[str, Part],
    ) -> None:
        """Read the sheets of `mine`, keep their parts, and hand them to whoever waits."""
        try:
            found = await self._source.sheets(list(mine))
        except BaseException as error:
            for day in mine.values():
                loading = self._loading.pop((day, family, group_by, shape, days[day]))
                loading.set_exception(RuntimeError(f"reading the report sheets failed: {error}"))
                loading.exception()  # retrieved: nobody waiting is not an error to log
            raise
        fields = FAMILIES[family]
        for ident, day in mine.items():
            sheet = found.get(ident)
            part = day_part(sheet, filters, group_by, fields) if sheet else []
            parts[day] = part
            key = (day, family, group_by, shape)
            if sheet is not None:
                self._remember(key, days[day], part)
            self._loading.pop((*key, days[day])).set_result(part)

    def _remember(self, key: _PartKey, stamp: str, part: Part) -> None:
        self._parts[key] = (stamp, part)
        self._parts.move_to_end(key)
        while len(self._parts) > self._max_parts:
            self._parts.popitem(last=False)
