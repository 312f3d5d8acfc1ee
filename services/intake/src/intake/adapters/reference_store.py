"""The intake's own lookup of ticket references: `intake_references` {_id: reference, ticket_id}.

Filled from `ticket.submitted` events (the intake cannot see the tickets service's state), so
a mail naming `[DVK-1234]` finds its ticket. Writes are upserts, so replaying the log
rewrites the same documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pymongo import AsyncMongoClient, ReplaceOne

COLLECTION = "intake_references"
# FerretDB holds a PostgreSQL connection per statement of one bulk update until the whole
# command ends; small chunks keep it far from its pool's limit (see the README).
_CHUNK = 32


class ReferenceStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._collection = client[database][COLLECTION]

    async def prepare(self) -> None:
        await self._collection.create_index("ticket_id")

    async def save(self, references: Mapping[str, UUID]) -> None:
        """Upsert reference → ticket id for each pair."""
        writes = [
            ReplaceOne({"_id": reference}, {"_id": reference, "ticket_id": ticket_id}, upsert=True)
            for reference, ticket_id in references.items()
        ]
        for start in range(0, len(writes), _CHUNK):
            await self._collection.bulk_write(writes[start : start + _CHUNK], ordered=False)

    async def ticket_for(self, reference: str) -> UUID | None:
        found = await self._collection.find_one({"_id": reference.upper()})
        return _ticket_id(found)

    async def known_ticket(self, ticket_id: UUID) -> bool:
        return await self._collection.find_one({"ticket_id": ticket_id}) is not None


def _ticket_id(document: Mapping[str, Any] | None) -> UUID | None:
    if document is None:
        return None
    value = document.get("ticket_id")
    return value if isinstance(value, UUID) else None
