"""The Article aggregate: its state folded from its events, and the rules of each change (pure).

Statuses: draft → published ⇄ archived, and draft → archived. Revising changes the content
of a draft or a published article (a published one stays live with the new content); an
archived article must be restored from a revision or published again first. Restoring makes
an earlier revision's content current again as a new version: history is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from contracts.base import Event
from contracts.knowledge import (
    ArticleArchived,
    ArticleContent,
    ArticleDrafted,
    ArticlePublished,
    ArticleRestored,
    ArticleRevised,
    ArticleStatus,
)

ErrorCode = Literal["not_found", "conflict", "invalid"]


class ArticleRuleError(Exception):
    """A change the article's state does not allow; `code` maps to HTTP (404, 409, 422)."""

    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Content:
    title: str
    body: str
    category: str
    tags: tuple[str, ...]
    language: str

    @classmethod
    def of(cls, event: ArticleContent) -> Content:
        return cls(event.title, event.body, event.category, tuple(event.tags), event.language)


@dataclass(frozen=True)
class Article:
    id: UUID
    version: int
    status: ArticleStatus
    slug: str
    author: str
    content: Content
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    # Version → the content that version made current (drafted, revised, restored only).
    revisions: dict[int, Content] = field(default_factory=dict)

    @property
    def is_public(self) -> bool:
        return self.status == "published"


def apply(
    article: Article | None, article_id: UUID, version: int, at: datetime, event: Event
) -> Article:
    """The article after `event` (at `version`); `article` is None before the first event."""
    if article is None:
        if not isinstance(event, ArticleDrafted):
            raise ArticleRuleError("invalid", f"article {article_id} starts with {event.TYPE}")
        content = Content.of(event)
        return Article(
            id=article_id,
            version=version,
            status="draft",
            slug=event.slug,
            author=event.author,
            content=content,
            created_at=at,
            updated_at=at,
            revisions={version: content},
        )
    match event:
        case ArticleRevised() | ArticleRestored():
            content = Content.of(event)
            return replace(
                article,
                content=content,
                revisions={**article.revisions, version: content},
                version=version,
                updated_at=at,
            )
        case ArticlePublished():
            return replace(
                article, status="published", published_at=at, version=version, updated_at=at
            )
        case ArticleArchived():
            return replace(article, status="archived", version=version, updated_at=at)
        case _:
            raise ArticleRuleError("invalid", f"{event.TYPE} is not an article event")


def check_version(article: Article, expected: int | None) -> None:
    if expected is not None and expected != article.version:
        raise ArticleRuleError(
            "conflict",
            f"the article is at version {article.version}, not {expected}: reload and retry",
        )


def revise(article: Article, content: ArticleContent, note: str | None) -> ArticleRevised:
    if article.status == "archived":
        raise ArticleRuleError(
            "conflict", "an archived article cannot be revised: restore or publish it first"
        )
    return ArticleRevised(**_content_fields(content), note=note)


def publish(article: Article) -> ArticlePublished:
    if article.status == "published":
        raise ArticleRuleError("conflict", "the article is already published")
    return ArticlePublished()


def archive(article: Article, reason: str | None) -> ArticleArchived:
    if article.status == "archived":
        raise ArticleRuleError("conflict", "the article is already archived")
    return ArticleArchived(reason=reason)


def restore(article: Article, from_version: int) -> ArticleRestored:
    old = article.revisions.get(from_version)
    if old is None:
        raise ArticleRuleError(
            "invalid",
            f"version {from_version} is not a revision of this article "
            f"(revisions: {sorted(article.revisions)})",
        )
    return ArticleRestored(
        title=old.title,
        body=old.body,
        category=old.category,
        tags=old.tags,
        language=old.language,
        from_version=from_version,
    )


def _content_fields(content: ArticleContent) -> dict[str, object]:
    return {
        "title": content.title,
        "body": content.body,
        "category": content.category,
        "tags": content.tags,
        "language": content.language,
    }
