"""The knowledge read model in MongoDB (FerretDB-compatible: plain CRUD, upserts, indexes).

- `knowledge_articles`: one document per article, its current state, slug, sanitised HTML,
  helpful/unhelpful counts. Written whole with a version guard, so applying an event twice,
  or an older one after a newer one, changes nothing: idempotent by version.
- `knowledge_revisions`: one document per content-changing event (`_id` "<article>:<version>").
- `knowledge_votes`: one document per (article, visitor), unique, so a repeat vote is a no-op.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from knowledge.domain.articles import Article, Content
from knowledge.domain.rendering import render_markdown

Document = dict[str, Any]
ARTICLES = "knowledge_articles"
REVISIONS = "knowledge_revisions"
VOTES = "knowledge_votes"
PUBLIC_FIELDS = {
    "_id": 0,
    "id": 1,
    "slug": 1,
    "title": 1,
    "category": 1,
    "tags": 1,
    "language": 1,
    "html": 1,
    "version": 1,
    "published_at": 1,
    "updated_at": 1,
    "helpful": 1,
    "unhelpful": 1,
}


ArticleOrder = Literal["title", "-updated", "-helpful"]
# Each order ends on a unique field, so pages never repeat or skip an article.
ORDERS: dict[str, list[tuple[str, int]]] = {
    "title": [("title", ASCENDING), ("_id", ASCENDING)],
    "-updated": [("updated_at", DESCENDING), ("_id", ASCENDING)],
    "-helpful": [("helpful", DESCENDING), ("updated_at", DESCENDING), ("_id", ASCENDING)],
}


def article_document(article: Article) -> Document:
    """The event-derived fields of an article's read-model document (not its vote counts)."""
    content = article.content
    return {
        "id": str(article.id),
        "version": article.version,
        "status": article.status,
        "slug": article.slug,
        "author": article.author,
        "title": content.title,
        "body": content.body,
        "html": render_markdown(content.body),
        "category": content.category,
        "tags": list(content.tags),
        "language": content.language,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
        "published_at": article.published_at,
        # One equality filter for every public list (FerretDB pushes equalities down).
        "public": article.is_public,
    }


def revision_document(article: Article, version: int, content: Content, at: datetime) -> Document:
    return {
        "_id": f"{article.id}:{version}",
        "article_id": str(article.id),
        "version": version,
        "title": content.title,
        "body": content.body,
        "category": content.category,
        "tags": list(content.tags),
        "language": content.language,
        "at": at,
    }


class ArticleStore:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        db = client[database]
        self.articles = db[ARTICLES]
        self.revisions = db[REVISIONS]
        self.votes = db[VOTES]

    async def prepare(self) -> None:
        await self.articles.create_index([("slug", ASCENDING)], unique=True)
        await self.articles.create_index([("public", ASCENDING), ("title", ASCENDING)])
        await self.revisions.create_index([("article_id", ASCENDING), ("version", ASCENDING)])
        await self.votes.create_index(
            [("article_id", ASCENDING), ("visitor", ASCENDING)], unique=True
        )

    async def applied_versions(self) -> dict[str, int]:
        """Article id → version the read model holds, so a start-up replay skips those."""
        cursor = self.articles.find({}, {"_id": 1, "version": 1})
        return {str(doc["_id"]): int(doc["version"]) async for doc in cursor}

    async def save(self, article: Article, revision: Content | None) -> None:
        """Store the article as of `article.version` unless the read model is already there."""
        if revision is not None:
            with contextlib.suppress(DuplicateKeyError):
                await self.revisions.insert_one(
                    revision_document(article, article.version, revision, article.updated_at)
                )
        fields = article_document(article)
        # A duplicate key means the document is at this version or later already.
        with contextlib.suppress(DuplicateKeyError):
            await self.articles.update_one(
                {"_id": str(article.id), "version": {"$lt": article.version}},
                {"$set": fields, "$setOnInsert": {"helpful": 0, "unhelpful": 0}},
                upsert=True,
            )

    async def public_by_slug(self, slug: str) -> Document | None:
        return await self.articles.find_one({"slug": slug, "public": True}, PUBLIC_FIELDS)

    async def by_id(self, article_id: str) -> Document | None:
        return await self.articles.find_one({"_id": article_id}, {"_id": 0})

    async def list_public(
        self,
        *,
        category: str | None,
        language: str | None,
        limit: int,
        skip: int,
        order: ArticleOrder = "title",
    ) -> list[Document]:
        query: Document = {"public": True}
        if category:
            query["category"] = category
        if language:
            query["language"] = language
        # An inclusion projection cannot also exclude: the list simply does not name `html`.
        fields = {name: flag for name, flag in PUBLIC_FIELDS.items() if name != "html"}
        cursor = self.articles.find(query, fields).sort(ORDERS[order]).skip(skip).limit(limit)
        return [doc async for doc in cursor]

    async def list_all(self, *, status: str | None, limit: int, skip: int) -> list[Document]:
        query: Document = {"status": status} if status else {}
        fields = {"_id": 0, "body": 0, "html": 0}
        cursor = self.articles.find(query, fields).sort("title", ASCENDING).skip(skip).limit(limit)
        return [doc async for doc in cursor]

    async def revisions_of(self, article_id: str) -> list[Document]:
        cursor = self.revisions.find({"article_id": article_id}, {"_id": 0}).sort("version", 1)
        return [doc async for doc in cursor]

    async def vote(self, article_id: str, visitor: str, helpful: bool, at: datetime) -> bool:
        """Record a visitor's vote; False if this visitor had voted on the article already."""
        try:
            await self.votes.insert_one(
                {
                    "_id": f"{article_id}:{visitor}",
                    "article_id": article_id,
                    "visitor": visitor,
                    "helpful": helpful,
                    "at": at,
                }
            )
        except DuplicateKeyError:
            return False
        await self.articles.update_one(
            {"_id": article_id}, {"$inc": {"helpful" if helpful else "unhelpful": 1}}
        )
        return True

    async def recount_votes(self) -> None:
        """Counts from the votes themselves (after a rebuild dropped the articles)."""
        totals: dict[str, list[int]] = {}
        async for vote in self.votes.find({}, {"article_id": 1, "helpful": 1}):
            counts = totals.setdefault(str(vote["article_id"]), [0, 0])
            counts[0 if vote["helpful"] else 1] += 1
        for article_id, (helpful, unhelpful) in totals.items():
            await self.articles.update_one(
                {"_id": article_id}, {"$set": {"helpful": helpful, "unhelpful": unhelpful}}
            )

    async def drop_read_model(self) -> None:
        await self.articles.drop()
        await self.revisions.drop()
