"""`notify_tickets`: what notify knows of each ticket (`domain/ticket_facts.py`), one document
per ticket with the version it has folded, written only over an older version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from notify.domain.ticket_facts import ThreadEntry, TicketFacts

COLLECTION = "notify_tickets"


def to_document(facts: TicketFacts) -> dict[str, Any]:
    return {
        "_id": facts.ticket_id,
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
        ticket_id=document["_id"],
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
        self._collection = client[database][COLLECTION]

    async def prepare(self) -> None:
        await self._collection.create_index([("submitted_at", ASCENDING)])

    async def load(self, ticket_ids: Iterable[UUID]) -> dict[UUID, TicketFacts]:
        # One id at a time: FerretDB serves `_id` equality from an index, `$in` it scans.
        found = {}
        for ticket_id in set(ticket_ids):
            document = await self._collection.find_one({"_id": ticket_id})
            if document is not None:
                found[ticket_id] = from_document(document)
        return found

    async def save(self, facts: TicketFacts, previous_version: int | None) -> bool:
        """Write `facts` over the version it was folded from; False if the stored document
        moved on meanwhile (another consumer after a rebalance: its write stands)."""
        document = to_document(facts)
        if previous_version is None:
            try:
                await self._collection.insert_one(document)
            except DuplicateKeyError:
                return False
            return True
        result = await self._collection.replace_one(
            {"_id": facts.ticket_id, "version": previous_version}, document
        )
        return result.matched_count == 1

    async def changed_since(
        self, field: str, since: datetime, until: datetime
    ) -> list[TicketFacts]:
        """Tickets whose `field` (submitted_at, breached_at, escalated_at) is in [since, until)."""
        cursor = self._collection.find({field: {"$gte": since, "$lt": until}})
        return [from_document(document) async for document in cursor]
