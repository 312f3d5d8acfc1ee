"""What readers and agents tell the knowledge base, in MongoDB.

- `knowledge_deflections`: one document per portal or widget session (`_id` the session id):
  which suggested articles it opened and whether it went on to submit a ticket. A session
  that opened one and never submitted counts as deflected.
- `knowledge_suggestions`: agents' "flag as outdated" and "suggest a new article", each with
  the ticket that raised it, for the editors' Knowledge Suggestions view.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument

Document = dict[str, Any]
DEFLECTIONS = "knowledge_deflections"
SUGGESTIONS = "knowledge_suggestions"


class FeedbackStore:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        db = client[database]
        self.deflections = db[DEFLECTIONS]
        self.suggestions = db[SUGGESTIONS]

    async def prepare(self) -> None:
        await self.deflections.create_index([("opened_any", ASCENDING)])
        await self.suggestions.create_index([("status", ASCENDING), ("created_at", DESCENDING)])

    async def record_session(
        self, session_id: str, *, opened: str | None, submitted: bool, at: datetime
    ) -> Document:
        update: Document = {
            "$setOnInsert": {"first_at": at},
            "$set": {"last_at": at},
        }
        if opened is not None:
            update["$set"]["opened_any"] = True
            update["$addToSet"] = {"opened": opened}
        if submitted:
            update["$set"]["submitted"] = True
        doc = await self.deflections.find_one_and_update(
            {"_id": session_id}, update, upsert=True, return_document=ReturnDocument.AFTER
        )
        assert doc is not None
        return doc

    async def deflection_rate(self) -> Document:
        opened = await self.deflections.count_documents({"opened_any": True})
        submitted = await self.deflections.count_documents({"opened_any": True, "submitted": True})
        deflected = opened - submitted
        return {
            "sessions_with_article_opened": opened,
            "submitted_after_opening": submitted,
            "deflected": deflected,
            "rate": round(deflected / opened, 4) if opened else None,
        }

    async def add_suggestion(self, suggestion: Document) -> None:
        await self.suggestions.insert_one(suggestion)

    async def suggestions_list(self, status: str | None, limit: int) -> list[Document]:
        query: Document = {"status": status} if status else {}
        cursor = self.suggestions.find(query).sort("created_at", DESCENDING).limit(limit)
        return [_public(doc) async for doc in cursor]

    async def close_suggestion(self, suggestion_id: UUID, by: str, at: datetime) -> Document | None:
        doc = await self.suggestions.find_one_and_update(
            {"_id": str(suggestion_id)},
            {"$set": {"status": "done", "closed_by": by, "closed_at": at}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else _public(doc)


def _public(doc: Document) -> Document:
    out = dict(doc)
    out["id"] = out.pop("_id")
    return out
