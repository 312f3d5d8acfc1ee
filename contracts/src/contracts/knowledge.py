"""The knowledge base's article events, on `dvika.knowledge.v1` (keyed by article id).

The knowledge service is the one writer of this log. Every change to an article is an
`ArticleEvent` whose `version` rises by exactly 1 per article (1 for `article.drafted`), so
the article's whole history (every revision) is kept and any old revision can be restored.
Payloads are decoded by `type` and `schema_version`, as the ticket events are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from contracts.base import Event
from contracts.registry import Registry
from contracts.values import Actor, Frozen, NonBlank

ArticleStatus = Literal["draft", "published", "archived"]
ArticleTitle = Annotated[NonBlank, Field(min_length=1, max_length=200)]
# Markdown, rendered to sanitised HTML by readers; never raw HTML from the author.
ArticleBody = Annotated[str, Field(max_length=100_000)]
ArticleCategory = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
]
ArticleTag = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
ArticleTags = Annotated[tuple[ArticleTag, ...], Field(max_length=20)]
# A BCP 47 tag such as "en" or "hi" or "pt-BR".
Language = Annotated[
    str, Field(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
]
Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class ArticleEvent(Frozen):
    """The envelope of every record on `dvika.knowledge.v1`."""

    event_id: UUID
    type: str
    schema_version: Annotated[int, Field(ge=1)] = 1
    article_id: UUID
    # Per-article version: 1 for the first event, then exactly +1 each time.
    version: Annotated[int, Field(ge=1)]
    occurred_at: datetime
    actor: Actor
    # The request that caused it, so a retried request appends nothing new.
    command_id: UUID
    payload: dict[str, Any]


class ArticleContent(Event):
    """What an editor writes; each drafted/revised/restored event carries all of it."""

    title: ArticleTitle
    body: ArticleBody
    category: ArticleCategory
    tags: ArticleTags = ()
    language: Language = "en"


class ArticleDrafted(ArticleContent):
    TYPE = "article.drafted"

    # Chosen once by the writer (unique among all articles) and kept for good: a stable URL.
    slug: Slug
    author: Annotated[str, Field(min_length=1, max_length=120)]


class ArticleRevised(ArticleContent):
    TYPE = "article.revised"

    note: Annotated[str, Field(max_length=500)] | None = None


class ArticlePublished(Event):
    TYPE = "article.published"


class ArticleArchived(Event):
    TYPE = "article.archived"

    reason: Annotated[str, Field(max_length=500)] | None = None


class ArticleRestored(ArticleContent):
    """An old revision's content made current again (a new version; history is kept)."""

    TYPE = "article.restored"

    from_version: Annotated[int, Field(ge=1)]


ARTICLE_EVENT_TYPES: tuple[type[Event], ...] = (
    ArticleDrafted,
    ArticleRevised,
    ArticlePublished,
    ArticleArchived,
    ArticleRestored,
)

ARTICLE_EVENTS: Registry[Event] = Registry(ARTICLE_EVENT_TYPES)
