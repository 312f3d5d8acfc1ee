"""`notify_ticket_facts`: what notify knows of each ticket (`domain/ticket_facts.py`), one
document per ticket with the version it has folded, written only over the version it was
folded from.

The `_id` is the ticket id as a string, not a UUID: FerretDB 1.24 pushes an equality filter
down to PostgreSQL only for strings, numbers, dates and ObjectIds, so a UUID (binary) `_id`
made every lookup and every guarded write decode the whole collection in FerretDB (notify's
throughput fell as tickets accumulated). `prepare` moves the facts of the collection that
held UUID ids (`notify_tickets`) over once.

A batch of events reads each of its tickets once and writes each changed one once: reads are
`_id` equality lookups, several in flight (`$in` is never pushed down), writes are bulks of
small chunks (FerretDB holds a PostgreSQL connection per statement of a bulk until the whole
command ends).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from pymongo import ASCENDING, AsyncMongoClient, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError

from notify.domain.ticket_facts import ThreadEntry, TicketFacts

log = structlog.get_logger(__name__)

COLLECTION = "notify_ticket_facts"
# Where the facts were kept with UUID ids, before: moved over by `prepare`, then dropped.
LEGACY_COLLECTION = "notify_tickets"
# Lookups in flight at once when a batch reads its tickets' facts.
READ_CONCURRENCY = 16
# Statements per bulk write.
WRITE_CHUNK = 32
DUPLICATE_KEY = 11000


def to_document(facts: TicketFacts) -> dict[str, Any]:
    return {
        "_id": str(facts.ticket_id),
        "version": facts.version,
        "reference": facts.reference,
        "customer_name": facts.customer_name,
        "customer_email": facts.customer_email,
        "subject": facts.subject,
        "priority": facts.priority,
        "status": facts.status,
        "submitted_at": facts.submitted_at,
        "assignee": facts.assignee,
        "queue": facts.queue,
        "recent": [
            {
                "message_id": entry.message_id,
                "author": entry.author,
                "text": entry.text,
                "posted_at": entry.posted_at,
            }
            for entry in facts.recent
        ],
        "escalated_at": facts.escalated_at,
        "breached_at": facts.breached_at,
    }


def from_document(document: Mapping[str, Any]) -> TicketFacts:
    return TicketFacts(
        # A string (a UUID in the legacy collection): either reads back as the UUID.
        ticket_id=UUID(str(document["_id"])),
        version=int(document["version"]),
        reference=document["reference"],
        customer_name=document["customer_name"],
        customer_email=document["customer_email"],
        subject=document["subject"],
        priority=document["priority"],
        status=document["status"],
        submitted_at=document["submitted_at"],
        assignee=document.get("assignee"),
        queue=document.get("queue"),
        recent=tuple(
            ThreadEntry(
                message_id=entry["message_id"],
                author=entry["author"],
                text=entry["text"],
                posted_at=entry["posted_at"],
            )
            for entry in document.get("recent") or ()
        ),
        escalated_at=document.get("escalated_at"),
        breached_at=document.get("breached_at"),
    )


class TicketFactsStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._database = client[database]
        self._collection = self._database[COLLECTION]

    async def prepare(self) -> None:
        await self._collection.create_index([("submitted_at", ASCENDING)])
        await self._move_legacy_facts()

    async def _move_legacy_facts(self) -> None:
        """Copy the UUID-keyed facts over once, then drop their collection. Each is inserted
        only if absent, so a second replica doing the same at once, or a fold that wrote a
        newer version first, is never overwritten."""
        if LEGACY_COLLECTION not in await self._database.list_collection_names():
            return
        legacy = self._database[LEGACY_COLLECTION]
        moved = 0
        chunk: list[TicketFacts] = []
        async for document in legacy.find({}):
            chunk.append(from_document(document))
            if len(chunk) == WRITE_CHUNK:
                await self.save_all(chunk, {})
                moved, chunk = moved + len(chunk), []
        await self.save_all(chunk, {})
        await legacy.drop()
        log.info("ticket facts moved to string ids", moved=moved + len(chunk))

    async def load(self, ticket_ids: Iterable[UUID]) -> dict[UUID, TicketFacts]:
        # One `_id` equality lookup a ticket, several in flight (never one `$in`: see above).
        gate = asyncio.Semaphore(READ_CONCURRENCY)

        async def one(ticket_id: UUID) -> dict[str, Any] | None:
            async with gate:
                return await self._collection.find_one({"_id": str(ticket_id)})

        found = await asyncio.gather(*(one(i) for i in set(ticket_ids)))
        facts = (from_document(document) for document in found if document is not None)
        return {f.ticket_id: f for f in facts}

    async def save_all(
        self, changed: Iterable[TicketFacts], folded_from: Mapping[UUID, int]
    ) -> None:
        """Write each of `changed` over the version it was folded from (absent: a ticket new to
        notify). A stored document that moved on meanwhile (another consumer after a
        rebalance) is left as it is: its write stands."""
        writes: list[ReplaceOne[dict[str, Any]] | UpdateOne] = []
        for facts in changed:
            document = to_document(facts)
            previous = folded_from.get(facts.ticket_id)
            if previous is None:
                # Inserted only if absent: never over a document another consumer wrote.
                fields = {k: v for k, v in document.items() if k != "_id"}
                writes.append(
                    UpdateOne({"_id": document["_id"]}, {"$setOnInsert": fields}, upsert=True)
                )
            else:
                writes.append(ReplaceOne({"_id": document["_id"], "version": previous}, document))
        for start in range(0, len(writes), WRITE_CHUNK):
            try:
                # Unordered: the tickets are independent, one statement's outcome never
                # decides another's.
                await self._collection.bulk_write(
                    writes[start : start + WRITE_CHUNK], ordered=False
                )
            except BulkWriteError as error:
                # Two upserts of one new ticket at once (a rebalance): the first one stands.
                if any(e.get("code") != DUPLICATE_KEY for e in error.details["writeErrors"]):
                    raise

    async def changed_since(
        self, field: str, since: datetime, until: datetime
    ) -> list[TicketFacts]:
        """Tickets whose `field` (submitted_at, breached_at, escalated_at) is in [since, until)."""
        cursor = self._collection.find({field: {"$gte": since, "$lt": until}})
        return [from_document(document) async for document in cursor]
