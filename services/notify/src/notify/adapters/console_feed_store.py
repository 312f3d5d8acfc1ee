"""`notify_console_feed`: each agent's console notifications.

{_id: uuid5 of the key, key (unique), account_id, kind, ticket_id, reference, subject, text,
created_at, read: bool}. Written once per key, like the notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from notify.adapters.notification_store import notification_id
from notify.domain.console_feed import FeedItem

COLLECTION = "notify_console_feed"


class ConsoleFeedStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._collection = client[database][COLLECTION]

    async def prepare(self) -> None:
        await self._collection.create_index([("key", ASCENDING)], unique=True)
        await self._collection.create_index([("account_id", ASCENDING)])

    async def insert_if_new(self, item: FeedItem) -> bool:
        """Store the item; False if its key was stored before (a re-read event)."""
        try:
            await self._collection.insert_one(
                {
                    "_id": notification_id(item.key),
                    "key": item.key,
                    "account_id": item.account_id,
                    "kind": item.kind,
                    "ticket_id": str(item.ticket_id),
                    "reference": item.reference,
                    "subject": item.subject,
                    "text": item.text,
                    "created_at": item.created_at,
                    "read": False,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def insert_new(self, items: Iterable[FeedItem]) -> int:
        inserted = 0
        for item in items:
            inserted += await self.insert_if_new(item)
        return inserted

    async def feed(self, account_id: str, *, unread_only: bool, limit: int) -> list[dict[str, Any]]:
        filters: dict[str, Any] = {"account_id": account_id}
        if unread_only:
            filters["read"] = False
        cursor = self._collection.find(filters).sort("created_at", -1).limit(limit)
        return [document async for document in cursor]

    async def unread(self, account_id: str) -> int:
        return await self._collection.count_documents({"account_id": account_id, "read": False})

    async def mark_read(
        self, account_id: str, ids: Sequence[str] | None, keys: Sequence[str] | None = None
    ) -> None:
        """Mark the account's items `ids` (or with these `keys`) read; all when both are None."""
        if keys is not None:
            for key in keys:
                await self._collection.update_one(
                    {"key": key, "account_id": account_id}, {"$set": {"read": True}}
                )
        if ids is None:
            if keys is not None:
                return
            # One document at a time: FerretDB can deadlock on a large multi-document update.
            unread = self._collection.find({"account_id": account_id, "read": False}, {"_id": 1})
            ids = [document["_id"] async for document in unread]
        for item_id in ids:
            await self._collection.update_one(
                {"_id": item_id, "account_id": account_id}, {"$set": {"read": True}}
            )
