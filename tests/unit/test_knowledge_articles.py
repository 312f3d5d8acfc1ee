"""The Article aggregate's rules and the writer's bookkeeping, without Kafka or MongoDB.

The writer (`ArticleLog`) is given a producer that keeps events in a list and a store that
keeps the last saved state, so versions, conflicts, idempotent commands, slugs and what the
public index may hold are checked in isolation.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from contracts.base import Event
from contracts.knowledge import ARTICLE_EVENTS, ArticleContent, ArticleEvent, ArticlePublished
from contracts.values import Actor
from knowledge.adapters.article_index import ArticleIndex
from knowledge.adapters.article_store import ArticleStore
from knowledge.adapters.event_producer import ArticleEventProducer
from knowledge.domain import articles as rules
from knowledge.domain.articles import Article, ArticleRuleError, Content
from knowledge.entrypoints.article_log import ArticleLog

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EDITOR = Actor(kind="agent", id="editor-1")


class ListProducer:
    def __init__(self) -> None:
        self.sent: list[ArticleEvent] = []

    async def send(self, event: ArticleEvent) -> None:
        self.sent.append(event)


class MemoryStore:
    def __init__(self) -> None:
        self.saved: dict[str, Article] = {}
        self.revisions: dict[str, Content] = {}

    async def save(self, article: Article, revision: Content | None) -> None:
        held = self.saved.get(str(article.id))
        if held is None or held.version < article.version:
            self.saved[str(article.id)] = article
        if revision is not None:
            self.revisions[f"{article.id}:{article.version}"] = revision


def _content(title: str = "Reset your password", body: str = "Open settings.") -> ArticleContent:
    return ArticleContent(title=title, body=body, category="account", tags=("login",))


def _writer() -> tuple[ArticleLog, ListProducer, MemoryStore, ArticleIndex]:
    producer, store, index = ListProducer(), MemoryStore(), ArticleIndex()
    log = ArticleLog(
        cast(ArticleStore, store), index, cast(ArticleEventProducer, producer), lambda: NOW
    )
    return log, producer, store, index


async def test_an_article_goes_through_its_lifecycle_with_rising_versions() -> None:
    log, producer, store, index = _writer()
    made = await log.draft(_content(), "Edna", EDITOR, uuid4())
    assert (made.version, made.slug) == (1, "reset-your-password")
    assert index.search("password") == []  # a draft is never searchable

    published = await log.execute(made.article_id, 1, rules.publish, EDITOR, uuid4())
    assert published.version == 2
    assert [h.slug for h in index.search("password")] == ["reset-your-password"]

    revised = await log.execute(
        made.article_id,
        2,
        lambda a: rules.revise(a, _content(body="Use the new settings page."), "clearer"),
        EDITOR,
        uuid4(),
    )
    assert revised.version == 3
    assert log.articles[made.article_id].status == "published"

    archived = await log.execute(
        made.article_id, 3, lambda a: rules.archive(a, "obsolete"), EDITOR, uuid4()
    )
    assert archived.version == 4
    assert index.search("password") == []  # archived: out of the public index at once

    restored = await log.execute(made.article_id, 4, lambda a: rules.restore(a, 1), EDITOR, uuid4())
    assert restored.version == 5
    article = log.articles[made.article_id]
    assert article.content.body == "Open settings."
    assert article.status == "archived"  # restoring content does not publish it
    assert [e.version for e in producer.sent] == [1, 2, 3, 4, 5]
    assert [e.type for e in producer.sent] == [
        "article.drafted",
        "article.published",
        "article.revised",
        "article.archived",
        "article.restored",
    ]
    assert store.saved[str(made.article_id)].version == 5
    assert sorted(store.revisions) == sorted(f"{made.article_id}:{v}" for v in (1, 3, 5))


async def test_a_stale_version_is_a_conflict_and_writes_nothing() -> None:
    log, producer, _, _ = _writer()
    made = await log.draft(_content(), "Edna", EDITOR, uuid4())
    await log.execute(made.article_id, 1, rules.publish, EDITOR, uuid4())
    with pytest.raises(ArticleRuleError) as stale:
        await log.execute(made.article_id, 1, lambda a: rules.archive(a, None), EDITOR, uuid4())
    assert stale.value.code == "conflict"
    assert len(producer.sent) == 2


@pytest.mark.parametrize(
    ("status_events", "change", "code"),
    [
        (1, rules.publish, "conflict"),  # published twice
        (2, lambda a: rules.archive(a, None), "conflict"),  # archived twice
        (2, lambda a: rules.revise(a, _content(), None), "conflict"),  # revising archived
        (0, lambda a: rules.restore(a, 7), "invalid"),  # no such revision
    ],
)
async def test_changes_the_state_does_not_allow(status_events: int, change: Any, code: str) -> None:
    log, producer, _, _ = _writer()
    made = await log.draft(_content(), "Edna", EDITOR, uuid4())
    if status_events >= 1:
        await log.execute(made.article_id, None, rules.publish, EDITOR, uuid4())
    if status_events >= 2:
        await log.execute(made.article_id, None, lambda a: rules.archive(a, None), EDITOR, uuid4())
    before = len(producer.sent)
    with pytest.raises(ArticleRuleError) as refused:
        await log.execute(made.article_id, None, change, EDITOR, uuid4())
    assert refused.value.code == code
    assert len(producer.sent) == before


async def test_unknown_article_is_not_found() -> None:
    log, _, _, _ = _writer()
    with pytest.raises(ArticleRuleError) as missing:
        await log.execute(uuid4(), None, rules.publish, EDITOR, uuid4())
    assert missing.value.code == "not_found"


async def test_a_repeated_command_answers_as_the_first_time() -> None:
    log, producer, _, _ = _writer()
    command = uuid4()
    first = await log.draft(_content(), "Edna", EDITOR, command)
    again = await log.draft(_content(), "Edna", EDITOR, command)
    assert again == first
    publish = uuid4()
    published = await log.execute(first.article_id, 1, rules.publish, EDITOR, publish)
    assert await log.execute(first.article_id, 1, rules.publish, EDITOR, publish) == published
    assert len(producer.sent) == 2


async def test_slugs_are_unique_and_survive_revisions() -> None:
    log, _, _, _ = _writer()
    one = await log.draft(_content("Refunds"), "Edna", EDITOR, uuid4())
    two = await log.draft(_content("Refunds"), "Edna", EDITOR, uuid4())
    assert (one.slug, two.slug) == ("refunds", "refunds-2")
    revised = await log.execute(
        one.article_id, 1, lambda a: rules.revise(a, _content("Money back"), None), EDITOR, uuid4()
    )
    assert revised.slug == "refunds"


async def test_replaying_the_log_gives_the_same_state_and_skips_duplicates() -> None:
    log, producer, _, index = _writer()
    made = await log.draft(_content(), "Edna", EDITOR, uuid4())
    await log.execute(made.article_id, 1, rules.publish, EDITOR, uuid4())

    replica, _, store, replica_index = _writer()
    for envelope in [*producer.sent, *producer.sent]:  # every event twice
        event = ARTICLE_EVENTS.decode(envelope.type, envelope.schema_version, envelope.payload)
        await replica.apply(envelope, event)
    assert replica.articles == log.articles
    assert replica.applied == 2
    assert [h.id for h in replica_index.search("password")] == [
        h.id for h in index.search("password")
    ]
    assert store.saved[str(made.article_id)].version == 2


async def test_a_gap_in_versions_is_not_applied() -> None:
    log, _, _, _ = _writer()
    made = await log.draft(_content(), "Edna", EDITOR, uuid4())
    gap = ArticleEvent(
        event_id=uuid4(),
        type="article.published",
        article_id=made.article_id,
        version=3,
        occurred_at=NOW,
        actor=EDITOR,
        command_id=uuid4(),
        payload={},
    )
    await log.apply(gap, ArticlePublished())
    assert log.articles[made.article_id].version == 1


def test_an_article_must_start_with_a_draft() -> None:
    with pytest.raises(ArticleRuleError):
        rules.apply(None, uuid4(), 1, NOW, cast(Event, ArticlePublished()))


def test_check_version_accepts_the_current_one_or_none() -> None:
    article = rules.apply(
        None,
        UUID(int=1),
        1,
        NOW,
        ARTICLE_EVENTS.decode(
            "article.drafted",
            1,
            {"title": "T", "body": "", "category": "c", "slug": "t", "author": "a"},
        ),
    )
    rules.check_version(article, 1)
    rules.check_version(article, None)
    with pytest.raises(ArticleRuleError):
        rules.check_version(article, 2)


class FailingProducer(ListProducer):
    """Fails the next send after putting the event on the 'log' anyway (an unknown outcome)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next = False

    async def send(self, event: ArticleEvent) -> None:
        self.sent.append(event)
        if self.fail_next:
            self.fail_next = False
            raise TimeoutError("no answer from the broker")


async def test_after_an_unknown_send_outcome_the_next_command_waits_for_the_log() -> None:
    producer, store, index = FailingProducer(), MemoryStore(), ArticleIndex()
    log = ArticleLog(
        cast(ArticleStore, store), index, cast(ArticleEventProducer, producer), lambda: NOW
    )
    made = await log.draft(_content(), "Edna", EDITOR, uuid4())
    producer.fail_next = True
    with pytest.raises(TimeoutError):
        await log.execute(made.article_id, 1, rules.publish, EDITOR, uuid4())
    assert log.articles[made.article_id].version == 1

    async def tail_reads_it() -> None:
        # The reader of the log finds the event that did get written.
        landed = producer.sent[-1]
        event = ARTICLE_EVENTS.decode(landed.type, landed.schema_version, landed.payload)
        await log.apply(landed, event)

    asyncio.get_running_loop().call_later(0.1, lambda: asyncio.ensure_future(tail_reads_it()))
    # Decided against version 2 (the log's truth), not against the stale in-memory 1.
    archived = await log.execute(
        made.article_id, 2, lambda a: rules.archive(a, None), EDITOR, uuid4()
    )
    assert archived.version == 3
    assert [e.version for e in producer.sent] == [1, 2, 3]
