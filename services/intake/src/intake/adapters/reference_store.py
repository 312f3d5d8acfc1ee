"""The intake's own lookup of tickets: `intake_references`
{_id: reference, ticket_id (text), status, status_version, merged_into?}.

Filled from the ticket event log (the intake cannot see the tickets service's state): a
`ticket.submitted` event makes the document, so a mail naming `[DVK-1234]` finds its ticket;
`ticket.status_changed`, `ticket.escalated` and `ticket.merged` keep its status, for Slack's
`status DVK-1234`. Every write is idempotent: a submission only inserts (a replay leaves a
newer status alone), and a status is only written over one of an older ticket version.

The ticket id is kept as text: FerretDB 1.24 pushes no equality on a binary value (a UUID)
down to PostgreSQL, so every status change and every mail's ticket check decoded the whole
collection. Documents written with a UUID before are converted at start (`prepare`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pymongo import AsyncMongoClient, UpdateOne

COLLECTION = "intake_references"
# FerretDB holds a PostgreSQL connection per statement of one bulk update until the whole
# command ends; small chunks keep it far from its pool's limit (see the README).
_CHUNK = 32


@dataclass(frozen=True)
class StatusChange:
    """A ticket's status as of ticket version `version`."""

    ticket_id: UUID
    version: int
    status: str
    merged_into: str | None = None


@dataclass(frozen=True)
class TicketStatus:
    reference: str
    status: str
    merged_into: str | None


class ReferenceStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._collection = client[database][COLLECTION]

    async def prepare(self) -> None:
        await self._collection.create_index("ticket_id")
        async for old in self._collection.find({"ticket_id": {"$type": "binData"}}):
            await self._collection.update_one(
                {"_id": old["_id"], "ticket_id": old["ticket_id"]},
                {"$set": {"ticket_id": str(old["ticket_id"])}},
            )

    async def save(
        self, references: Mapping[str, UUID], statuses: Sequence[StatusChange] = ()
    ) -> None:
        """Insert reference → ticket id (status `new`, version 1) where missing, then apply
        `statuses` in order, each only over an older one."""
        writes = [
            UpdateOne(
                {"_id": reference},
                {
                    "$setOnInsert": {
                        "ticket_id": str(ticket_id),
                        "status": "new",
                        "status_version": 1,
                    }
                },
                upsert=True,
            )
            for reference, ticket_id in references.items()
        ]
        writes += [
            UpdateOne(
                {
                    "ticket_id": str(change.ticket_id),
                    # Documents written before statuses were kept have no version yet.
                    "$or": [
                        {"status_version": {"$lt": change.version}},
                        {"status_version": {"$exists": False}},
                    ],
                },
                {
                    "$set": {
                        "status": change.status,
                        "status_version": change.version,
                        "merged_into": change.merged_into,
                    }
                },
            )
            for change in statuses
        ]
        for start in range(0, len(writes), _CHUNK):
            # Ordered: a ticket's submission before its status changes, in log order.
            await self._collection.bulk_write(writes[start : start + _CHUNK], ordered=True)

    async def ticket_for(self, reference: str) -> UUID | None:
        found = await self._collection.find_one({"_id": reference.upper()})
        return _ticket_id(found)

    async def known_ticket(self, ticket_id: UUID) -> bool:
        return await self._collection.find_one({"ticket_id": str(ticket_id)}) is not None

    async def status_of(self, reference: str) -> TicketStatus | None:
        found = await self._collection.find_one({"_id": reference.upper()})
        if found is None:
            return None
        merged = found.get("merged_into")
        return TicketStatus(
            reference=str(found["_id"]),
            status=str(found.get("status") or "unknown"),
            merged_into=merged if isinstance(merged, str) else None,
        )


def _ticket_id(document: Mapping[str, Any] | None) -> UUID | None:
    if document is None:
        return None
    value = document.get("ticket_id")
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None
