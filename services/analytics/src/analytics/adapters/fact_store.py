"""The analytics collections in MongoDB (plain CRUD and bulk writes: FerretDB-compatible).

- `analytics_ticket_facts`: one fact per ticket (`analytics.domain.facts`), `_id` ticket id,
  written only over the version it was read at.
- `analytics_dirty_days`: days whose buckets must be recomputed, `_id` the day, `stamp` a
  fresh id per marking. A day is marked before its facts are written, and the marker is
  removed only if no one marked it again while its buckets were recomputed: a crash anywhere
  leaves the day marked, never a stale bucket unmarked.
- `analytics_daily`: the buckets (`analytics.domain.buckets`), replaced day by day: the
  cube BI tools read.
- `analytics_report_sheets`: the same days as the reports read them
  (`analytics.domain.sheets`), a few small documents a day, each fetched by `_id`.
- `analytics_day_stamps`: one document (`_id` "days") naming every day that has buckets,
  with a fresh `stamp` each time the day is rewritten and its `open` tickets: a report reads
  it to know which days exist and whether what it cached of a day is still current.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID, uuid4

import structlog
from pymongo import ASCENDING, AsyncMongoClient, DeleteOne, ReplaceOne, UpdateOne

from analytics.domain.facts import TicketFact, fact_from_document, fact_to_document

log = structlog.get_logger(__name__)

FACTS = "analytics_ticket_facts"
DIRTY_DAYS = "analytics_dirty_days"
DAILY = "analytics_daily"
SHEETS = "analytics_report_sheets"
DAY_STAMPS = "analytics_day_stamps"
_STAMPS_ID = "days"
# FerretDB holds a PostgreSQL connection per statement of one bulk write until the whole
# command ends; small chunks keep it far from its pool's limit.
_CHUNK = 32
# Fact lookups in flight at once when a batch reads its facts.
READ_CONCURRENCY = 16


async def _bulk(collection: Any, writes: Sequence[Any]) -> None:
    for start in range(0, len(writes), _CHUNK):
        await collection.bulk_write(list(writes[start : start + _CHUNK]), ordered=True)


class AnalyticsStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        db = client[database]
        self._facts = db[FACTS]
        self._dirty = db[DIRTY_DAYS]
        self._daily = db[DAILY]
        self._sheets = db[SHEETS]
        self._stamps = db[DAY_STAMPS]

    async def prepare(self) -> None:
        await self._facts.create_index([("created_day", ASCENDING)])
        await self._facts_keyed_by_text()
        await self._daily.create_index([("day", ASCENDING)])
        if await self._stamps.find_one({"_id": _STAMPS_ID}) is None:
            # A store from before the report sheets (or a fresh one): every day with facts is
            # rebuilt by the refresher, which writes its sheets and stamp.
            days = await self._facts.distinct("created_day")
            await self.mark_dirty(str(day) for day in days)

    # --- facts -------------------------------------------------------------------------

    async def _facts_keyed_by_text(self) -> int:
        """Move facts stored under a UUID `_id` (before ids became text) to their text id;
        how many moved. Each is written under the new id first (unless a newer fold already
        wrote it there), then its old document goes: a crash between leaves a copy to redo."""
        moved = 0
        async for old in self._facts.find({"_id": {"$type": "binData"}}):
            fact = fact_from_document(old)
            document = fact_to_document(fact)
            key = document.pop("_id")
            await self._facts.update_one({"_id": key}, {"$setOnInsert": document}, upsert=True)
            await self._facts.delete_one({"_id": old["_id"]})
            moved += 1
        if moved:
            log.info("facts moved to text ids", facts=moved)
        return moved

    async def facts_of(self, ticket_ids: Collection[UUID]) -> dict[UUID, TicketFact]:
        """One equality lookup a ticket, several in flight.

        Not one `{"_id": {"$in": ids}}`: FerretDB 1.24 does not push `$in` down, so that read
        and decoded every fact on every batch (the fold crawled at 25 tickets/s at 100,000
        facts), while an `_id` equality is served by the primary key.
        """
        gate = asyncio.Semaphore(READ_CONCURRENCY)

        async def one(ticket_id: UUID) -> dict[str, Any] | None:
            async with gate:
                return await self._facts.find_one({"_id": str(ticket_id)})

        found = await asyncio.gather(*(one(i) for i in ticket_ids))
        facts = (fact_from_document(doc) for doc in found if doc is not None)
        return {fact.ticket_id: fact for fact in facts}

    async def save_facts(
        self, changed: Iterable[TicketFact], read_versions: Mapping[UUID, int]
    ) -> None:
        """Write each changed fact over the version it was folded from (0: a new fact)."""
        writes: list[ReplaceOne[dict[str, Any]]] = []
        for fact in changed:
            document = fact_to_document(fact)
            before = read_versions.get(fact.ticket_id, 0)
            key = document["_id"]
            if before:
                writes.append(ReplaceOne({"_id": key, "version": before}, document))
            else:
                writes.append(ReplaceOne({"_id": key}, document, upsert=True))
        await _bulk(self._facts, writes)

    async def facts_created_on(self, day: str) -> list[TicketFact]:
        return [fact_from_document(doc) async for doc in self._facts.find({"created_day": day})]

    # --- dirty days --------------------------------------------------------------------

    async def mark_dirty(self, days: Iterable[str]) -> None:
        writes = [
            UpdateOne({"_id": day}, {"$set": {"stamp": str(uuid4())}}, upsert=True)
            for day in sorted(set(days))
        ]
        await _bulk(self._dirty, writes)

    async def dirty_days(self) -> dict[str, str]:
        """Every marked day with the stamp it carries now."""
        return {str(doc["_id"]): str(doc["stamp"]) async for doc in self._dirty.find({})}

    async def clear_dirty(self, day: str, stamp: str) -> bool:
        """Unmark `day` unless it was marked again since `stamp` was read."""
        result = await self._dirty.delete_one({"_id": day, "stamp": stamp})
        return result.deleted_count == 1

    # --- daily buckets -----------------------------------------------------------------

    async def replace_day(
        self,
        day: str,
        buckets: Sequence[dict[str, Any]],
        sheets: Sequence[dict[str, Any]],
        open_now: int,
    ) -> None:
        """Make `day`'s buckets exactly `buckets` (upsert each, drop the others), replace its
        sheets, then give it a new stamp: a reader that saw the old stamp reloads the day."""
        keep = {bucket["_id"] for bucket in buckets}
        writes: list[Any] = [ReplaceOne({"_id": b["_id"]}, b, upsert=True) for b in buckets]
        async for old in self._daily.find({"day": day}, {"_id": 1}):
            if old["_id"] not in keep:
                writes.append(DeleteOne({"_id": old["_id"]}))
        await _bulk(self._daily, writes)
        await _bulk(self._sheets, [ReplaceOne({"_id": s["_id"]}, s, upsert=True) for s in sheets])
        await self.stamp_days({day: open_now})

    async def stamp_days(self, open_now: Mapping[str, int]) -> None:
        """A new stamp for each day, with the tickets of that day open now."""
        if not open_now:
            return
        await self._stamps.update_one(
            {"_id": _STAMPS_ID},
            {
                "$set": {
                    f"days.{day}": {"stamp": str(uuid4()), "open": count}
                    for day, count in open_now.items()
                }
            },
            upsert=True,
        )

    async def day_stamps(self) -> dict[str, dict[str, Any]]:
        """Every day that has buckets: `{day: {"stamp": ..., "open": n}}`."""
        found = await self._stamps.find_one({"_id": _STAMPS_ID})
        return dict(found.get("days", {})) if found else {}

    async def sheets(self, ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """The sheets of these ids that exist, by `_id` lookups (several in flight)."""
        gate = asyncio.Semaphore(READ_CONCURRENCY)

        async def one(sheet_id: str) -> dict[str, Any] | None:
            async with gate:
                return await self._sheets.find_one({"_id": sheet_id})

        found = await asyncio.gather(*(one(i) for i in ids))
        return {str(doc["_id"]): doc for doc in found if doc is not None}
