"""Customers who opted out of everything but replies to their own ticket:
`notify_optouts` {_id: email (lower case), opted_out_at}."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient

COLLECTION = "notify_optouts"
# Lookups in flight at once.
_READ_CONCURRENCY = 16


def normalise(email: str) -> str:
    return email.strip().lower()


class OptOutStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._collection = client[database][COLLECTION]

    async def opt_out(self, email: str, now: datetime) -> None:
        await self._collection.update_one(
            {"_id": normalise(email)}, {"$setOnInsert": {"opted_out_at": now}}, upsert=True
        )

    async def opt_in(self, email: str) -> bool:
        deleted = await self._collection.delete_one({"_id": normalise(email)})
        return deleted.deleted_count > 0

    async def is_opted_out(self, email: str) -> bool:
        return await self._collection.find_one({"_id": normalise(email)}) is not None

    async def opted_out(self, emails: Iterable[str]) -> set[str]:
        """Which of `emails` opted out (lower case); one equality lookup each, several in
        flight (`$in` is not pushed down to PostgreSQL by FerretDB)."""
        gate = asyncio.Semaphore(_READ_CONCURRENCY)

        async def one(email: str) -> str | None:
            async with gate:
                found = await self._collection.find_one({"_id": email}, {"_id": 1})
            return None if found is None else email

        wanted = {normalise(e) for e in emails}
        return {e for e in await asyncio.gather(*(one(e) for e in wanted)) if e is not None}
