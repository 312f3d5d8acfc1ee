"""The article log's one writer and its readers: state, read model and search index.

Every record of `dvika.knowledge.v1` goes through `apply`, whether this process wrote it a
moment ago or reads it at start-up (a `TopicTail` from the beginning, so every replica's
search index holds every article): the in-memory state moves to the event's version, the
search index follows, and the MongoDB read model is written (skipped for versions it already
holds, so a restart rewrites nothing). Events apply in version order per article; an event at
or below the known version is a duplicate and is skipped.

Commands (`execute`) run one at a time per article: check the expected version (stale → 409),
decide the event with the pure rules, send it with the idempotent producer, then apply it,
so the next command sees it. A command id seen before answers as the first time.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import structlog
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from contracts.base import Event
from contracts.knowledge import (
    ARTICLE_EVENTS,
    ArticleContent,
    ArticleDrafted,
    ArticleEvent,
    ArticleRestored,
    ArticleRevised,
)
from contracts.registry import UndecodableMessage
from contracts.values import Actor
from knowledge.adapters.article_index import ArticleIndex
from knowledge.adapters.article_store import ArticleStore
from knowledge.adapters.event_producer import ArticleEventProducer
from knowledge.domain.articles import Article, ArticleRuleError, apply, check_version
from knowledge.domain.slugs import unique_slug

log = structlog.get_logger(__name__)

Decide = Callable[[Article], Event]


@dataclass(frozen=True)
class Outcome:
    article_id: UUID
    version: int
    slug: str


class ArticleLog:
    def __init__(
        self,
        store: ArticleStore,
        index: ArticleIndex,
        producer: ArticleEventProducer | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.index = index
        self._producer = producer
        self._clock = clock
        self.articles: dict[UUID, Article] = {}
        self.by_slug: dict[str, UUID] = {}
        self._commands: dict[UUID, UUID] = {}
        self._locks: defaultdict[UUID, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._create_lock = asyncio.Lock()
        # What the read model already holds (read at start): those versions are not rewritten.
        self._stored: dict[str, int] = {}
        # Article → a version whose send failed: Kafka may still have it, so no other
        # command decides on this article until the log shows (or times out) what happened.
        self._unconfirmed: dict[UUID, int] = {}
        self.applied = 0

    async def load_stored_versions(self) -> None:
        self._stored = await self.store.applied_versions()

    # -- reading the log ---------------------------------------------------------------

    async def on_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            envelope = ArticleEvent.model_validate_json(record.value or b"")
            event = ARTICLE_EVENTS.decode(envelope.type, envelope.schema_version, envelope.payload)
        except (ValidationError, UndecodableMessage) as error:
            log.error("unreadable article event skipped", offset=record.offset, reason=str(error))
            return
        await self.apply(envelope, event)

    async def apply(self, envelope: ArticleEvent, event: Event) -> None:
        current = self.articles.get(envelope.article_id)
        known = current.version if current else 0
        if envelope.version <= known:
            return
        if envelope.version != known + 1:
            log.error(
                "gap in an article's versions: event skipped",
                article_id=str(envelope.article_id),
                version=envelope.version,
                known=known,
            )
            return
        article = apply(current, envelope.article_id, envelope.version, envelope.occurred_at, event)
        # Synchronous up to here: no other apply can interleave for this version.
        self.articles[article.id] = article
        self.by_slug[article.slug] = article.id
        self._commands[envelope.command_id] = article.id
        self.index.update(article)
        self.applied += 1
        if self._stored.get(str(article.id), 0) >= article.version:
            return
        revision = (
            article.content
            if isinstance(event, ArticleDrafted | ArticleRevised | ArticleRestored)
            else None
        )
        # The newest state is saved whole: an older apply finishing late is refused by the
        # store's version guard.
        await self.store.save(self.articles[article.id], revision)

    # -- commands ----------------------------------------------------------------------

    async def draft(
        self, content: ArticleContent, author: str, actor: Actor, command_id: UUID
    ) -> Outcome:
        async with self._create_lock:
            if (seen := self._seen(command_id)) is not None:
                return seen
            article_id = uuid4()
            event = ArticleDrafted(
                title=content.title,
                body=content.body,
                category=content.category,
                tags=content.tags,
                language=content.language,
                slug=unique_slug(content.title, self.by_slug),
                author=author,
            )
            return await self._append(article_id, 1, event, actor, command_id)

    async def execute(
        self,
        article_id: UUID,
        expected_version: int | None,
        decide: Decide,
        actor: Actor,
        command_id: UUID,
    ) -> Outcome:
        async with self._locks[article_id]:
            if (seen := self._seen(command_id)) is not None:
                return seen
            await self._settle(article_id)
            article = self.articles.get(article_id)
            if article is None:
                raise ArticleRuleError("not_found", "no such article")
            check_version(article, expected_version)
            event = decide(article)
            return await self._append(article_id, article.version + 1, event, actor, command_id)

    async def _settle(self, article_id: UUID, timeout_s: float = 5.0) -> None:
        unconfirmed = self._unconfirmed.get(article_id)
        if unconfirmed is None:
            return
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            article = self.articles.get(article_id)
            if article is not None and article.version >= unconfirmed:
                break
            await asyncio.sleep(0.05)
        # Either the log has it now, or it never got there (the producer gave up on it).
        del self._unconfirmed[article_id]

    def _seen(self, command_id: UUID) -> Outcome | None:
        article_id = self._commands.get(command_id)
        if article_id is None:
            return None
        article = self.articles[article_id]
        return Outcome(article.id, article.version, article.slug)

    async def _append(
        self, article_id: UUID, version: int, event: Event, actor: Actor, command_id: UUID
    ) -> Outcome:
        if self._producer is None:
            raise RuntimeError("this replica does not write articles")
        envelope = ArticleEvent(
            event_id=uuid4(),
            type=event.TYPE,
            schema_version=event.SCHEMA_VERSION,
            article_id=article_id,
            version=version,
            occurred_at=self._clock(),
            actor=actor,
            command_id=command_id,
            payload=event.model_dump(mode="json"),
        )
        try:
            await self._producer.send(envelope)
        except BaseException:
            self._unconfirmed[article_id] = version
            raise
        await self.apply(envelope, event)
        article = self.articles[article_id]
        return Outcome(article.id, article.version, article.slug)
