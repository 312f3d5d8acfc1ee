"""The `notifications` collection: every notification, written before it is sent.

{_id: uuid5 of the key, key (unique), channel, kind, recipient, audience, source_id,
ticket_id, reference, status: pending | sent | dead, attempts, next_attempt_at, created_at,
updated_at, sent_at, last_error, email: {subject, text, html, headers} | slack: {payload}}

A notification exists once per idempotency key: inserted under the unique index, and a
duplicate key means it was written (and is being or was sent) already. No transactions, no
multi-document updates (FerretDB, see the README): inserts go in small unordered bulks,
changes one document at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument
from pymongo.errors import BulkWriteError

COLLECTION = "notifications"
STATUSES = ("pending", "sent", "dead")
_ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://dvika.care/notify/notifications")

Document = dict[str, Any]
# Inserts per bulk write (FerretDB holds a PostgreSQL connection per statement of a bulk).
_INSERT_CHUNK = 32
_DUPLICATE_KEY = 11000
# What the sender needs to pick due records: which, whose ticket, when.
_DUE_FIELDS = {"_id": 1, "ticket_id": 1, "next_attempt_at": 1}


def notification_id(key: str) -> str:
    """The record's id, derived from its key so a second insert collides on `_id` as well."""
    return str(uuid5(_ID_NAMESPACE, key))


class NotificationStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._collection = client[database][COLLECTION]

    async def prepare(self) -> None:
        await self._collection.create_index([("key", ASCENDING)], unique=True)
        await self._collection.create_index([("status", ASCENDING)])
        await self._collection.create_index([("ticket_id", ASCENDING)])

    async def insert_new(self, documents: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Insert each document whose key is new; returns those that were new, in order.

        Bulks of a few: unordered, so a duplicate (a re-read batch) does not stop the others,
        and small, since FerretDB holds a PostgreSQL connection per statement until the whole
        command ends.
        """
        pending = list(documents)
        inserted: list[Mapping[str, Any]] = []
        for start in range(0, len(pending), _INSERT_CHUNK):
            chunk = pending[start : start + _INSERT_CHUNK]
            try:
                await self._collection.insert_many(
                    [{"_id": notification_id(d["key"]), **d} for d in chunk], ordered=False
                )
            except BulkWriteError as error:
                errors = error.details.get("writeErrors") or []
                if not errors or any(e.get("code") != _DUPLICATE_KEY for e in errors):
                    raise
                duplicates = {int(e["index"]) for e in errors}
                inserted += [d for n, d in enumerate(chunk) if n not in duplicates]
            else:
                inserted += chunk
        return inserted

    async def due(self, now: datetime, limit: int) -> list[Document]:
        # Only `status` reaches FerretDB's PostgreSQL filter; the earliest come first, so the
        # time is checked here on at most `limit` documents.
        # Without the content (mails are most of a record): `claim` returns the whole record.
        cursor = (
            self._collection.find({"status": "pending"}, _DUE_FIELDS)
            .sort("next_attempt_at", 1)
            .limit(limit)
        )
        return [document async for document in cursor if document["next_attempt_at"] <= now]

    async def claim(self, notification: str, now: datetime, lease: timedelta) -> Document | None:
        """Take a due notification for sending: its next attempt moves past the lease, so
        another sender leaves it alone until then. None if someone else took it first."""
        return await self._collection.find_one_and_update(
            {"_id": notification, "status": "pending", "next_attempt_at": {"$lte": now}},
            {"$set": {"next_attempt_at": now + lease, "updated_at": now}},
            return_document=ReturnDocument.AFTER,
        )

    async def mark_sent(self, notification: str, attempts: int, now: datetime) -> None:
        await self._collection.update_one(
            {"_id": notification},
            {
                "$set": {
                    "status": "sent",
                    "attempts": attempts,
                    "sent_at": now,
                    "updated_at": now,
                    "last_error": None,
                }
            },
        )

    async def mark_failed(
        self, notification: str, attempts: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Another attempt at `retry_at`, or dead when it is None."""
        change: dict[str, Any] = {"attempts": attempts, "last_error": error, "updated_at": now}
        if retry_at is None:
            change["status"] = "dead"
        else:
            change["next_attempt_at"] = retry_at
        await self._collection.update_one({"_id": notification}, {"$set": change})

    async def retry(self, notification: str, now: datetime) -> Document | None:
        """A dead (or still pending) notification is tried again at once, attempts from 0."""
        return await self._collection.find_one_and_update(
            {"_id": notification, "status": {"$in": ["dead", "pending"]}},
            {
                "$set": {
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "updated_at": now,
                }
            },
            return_document=ReturnDocument.AFTER,
        )

    async def get(self, notification: str) -> Document | None:
        return await self._collection.find_one({"_id": notification})

    async def find(self, filters: Mapping[str, Any], limit: int) -> list[Document]:
        cursor = self._collection.find(dict(filters)).sort("created_at", -1).limit(limit)
        return [document async for document in cursor]

    async def count(self, filters: Mapping[str, Any]) -> int:
        return await self._collection.count_documents(dict(filters))
