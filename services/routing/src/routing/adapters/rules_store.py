"""The current routing rules in MongoDB: one document with a version, for optimistic edits.

Collection `routing_rules`, `_id` "current": `version` (1, 2, …), `rules` (the RuleSet as
JSON), `updated_at`, `updated_by`. A save names the version it replaces; a stale one loses.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

from routing.domain.rules import RuleSet, parse_rules

COLLECTION = "routing_rules"
DOCUMENT_ID = "current"


class StaleVersion(Exception):
    """The rules changed since the version the caller read."""


@dataclass(frozen=True)
class StoredRules:
    version: int
    rules: RuleSet
    updated_at: datetime
    updated_by: str | None = None


class RulesStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._collection = client[database][COLLECTION]

    async def load(self) -> StoredRules | None:
        document = await self._collection.find_one({"_id": DOCUMENT_ID})
        return None if document is None else _stored(document)

    async def seed(self, rules: RuleSet, now: datetime) -> StoredRules:
        """Store `rules` as version 1 unless rules exist (another replica may seed at once)."""
        document = {
            "_id": DOCUMENT_ID,
            "version": 1,
            "rules": rules.model_dump(mode="json"),
            "updated_at": now,
            "updated_by": None,
        }
        with contextlib.suppress(DuplicateKeyError):
            await self._collection.insert_one(document)
        stored = await self.load()
        assert stored is not None, "rules vanished right after seeding"
        return stored

    async def replace(
        self, rules: RuleSet, expected_version: int, now: datetime, by: str | None
    ) -> StoredRules:
        document = await self._collection.find_one_and_update(
            {"_id": DOCUMENT_ID, "version": expected_version},
            {
                "$set": {
                    "rules": rules.model_dump(mode="json"),
                    "version": expected_version + 1,
                    "updated_at": now,
                    "updated_by": by,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if document is None:
            current = await self.load()
            raise StaleVersion(
                f"the rules are at version {current.version if current else 'none'}, "
                f"not {expected_version}: read them again and redo the change"
            )
        return _stored(document)


def _stored(document: dict[str, Any]) -> StoredRules:
    return StoredRules(
        version=int(document["version"]),
        rules=parse_rules(document["rules"]),
        updated_at=document["updated_at"],
        updated_by=document.get("updated_by"),
    )
