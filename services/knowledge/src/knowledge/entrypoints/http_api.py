"""The knowledge base's HTTP API, under `/api/v1/kb` (the gateway forwards the same paths).

Public (customers, anonymous visitors): categories, published articles by list, search,
suggestions and slug, "Was this helpful?" votes, deflection signals. Staff: similar tickets,
the deflection rate, suggestions to editors. Editors (editor, manager, admin): drafting,
revising, publishing, archiving and restoring articles, and the suggestions view.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from contracts.knowledge import (
    ArticleBody,
    ArticleCategory,
    ArticleContent,
    ArticleTags,
    ArticleTitle,
    Language,
)
from knowledge.adapters.article_index import ArticleHit, ArticleIndex
from knowledge.adapters.article_store import ArticleOrder, ArticleStore
from knowledge.adapters.feedback_store import FeedbackStore
from knowledge.adapters.ticket_index import TicketIndex
from knowledge.domain import articles as rules
from knowledge.domain.articles import ArticleRuleError
from knowledge.entrypoints.article_log import ArticleLog, Decide, Outcome
from knowledge.entrypoints.callers import Caller, EditorCaller, StaffCaller, caller_of

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge"])
_HTTP_CODES = {"not_found": 404, "conflict": 409, "invalid": 422}
_COMMANDS = uuid5(NAMESPACE_URL, "https://dvika.care/knowledge/commands")
VISITOR_COOKIE = "dvika_kb_visitor"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleIn(Strict):
    title: ArticleTitle
    body: ArticleBody
    category: ArticleCategory
    tags: ArticleTags = ()
    language: Language = "en"

    def content(self) -> ArticleContent:
        return ArticleContent(**self.model_dump())


class ReviseIn(ArticleIn):
    version: Annotated[int, Field(ge=1)]
    note: Annotated[str, Field(max_length=500)] | None = None


class VersionIn(Strict):
    version: Annotated[int, Field(ge=1)]


class ArchiveIn(VersionIn):
    reason: Annotated[str, Field(max_length=500)] | None = None


class RestoreIn(VersionIn):
    from_version: Annotated[int, Field(ge=1)]


class VoteIn(Strict):
    helpful: bool
    # Opaque: from the portal's cookie or the widget's storage; only its hash is kept.
    visitor: Annotated[str, Field(min_length=8, max_length=128)] | None = None


class DeflectionIn(Strict):
    session_id: Annotated[str, Field(min_length=8, max_length=128)]
    # The slug of a suggested article the session opened.
    article: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    submitted: bool = False


class SuggestionIn(Strict):
    kind: Literal["outdated", "new_article"]
    ticket_id: UUID
    ticket_reference: Annotated[str, Field(max_length=32)] | None = None
    # For "outdated": the article flagged.
    article: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    # For "new_article": what the article should be called.
    title: Annotated[str, Field(max_length=200)] | None = None
    note: Annotated[str, Field(max_length=2000)] = ""


class Services:
    """What the routes use, set on `app.state.kb` by main."""

    def __init__(
        self,
        log: ArticleLog,
        store: ArticleStore,
        feedback: FeedbackStore,
        index: ArticleIndex,
        tickets: TicketIndex,
        clock: Callable[[], datetime],
    ) -> None:
        self.log = log
        self.store = store
        self.feedback = feedback
        self.index = index
        self.tickets = tickets
        self.clock = clock


def _kb(request: Request) -> Services:
    services: Services = request.app.state.kb
    return services


def _command_id(caller: Caller, key: str | None) -> UUID:
    # A retried request with the same Idempotency-Key is the same command.
    return uuid5(_COMMANDS, f"{caller.account}:{key}") if key else uuid4()


async def _run(action: Callable[[], Any]) -> Outcome:
    try:
        outcome: Outcome = await action()
    except ArticleRuleError as error:
        raise HTTPException(_HTTP_CODES[error.code], error.reason) from None
    except KafkaError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the article log cannot be written: {error!r}"
        ) from None
    return outcome


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return {"id": str(outcome.article_id), "slug": outcome.slug, "version": outcome.version}


def _hit(hit: ArticleHit) -> dict[str, Any]:
    return {**asdict(hit), "url": f"/support/kb/{hit.slug}"}


# -- public --------------------------------------------------------------------------------


@router.get("/categories")
async def categories(request: Request, language: str | None = None) -> dict[str, Any]:
    counts = Counter(
        article.content.category
        for article in _kb(request).log.articles.values()
        if article.is_public and (language is None or article.content.language == language)
    )
    return {"items": [{"category": c, "articles": n} for c, n in sorted(counts.items())]}


@router.get("/articles")
async def list_articles(
    request: Request,
    category: str | None = None,
    language: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    sort: ArticleOrder = "title",
) -> dict[str, Any]:
    """Published articles: by title, most recently updated first, or most helpful first."""
    items = await _kb(request).store.list_public(
        category=category, language=language, limit=limit, skip=offset, order=sort
    )
    return {"items": items}


@router.get("/articles/search")
async def search(
    request: Request,
    q: Annotated[str, Query(max_length=500)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    language: str | None = None,
) -> dict[str, Any]:
    """Query language: words, "a phrase", +must, -not; a query with no hit is retried fuzzily."""
    started = time.perf_counter()
    hits = _kb(request).index.search(q, limit=limit, language=language)
    took = round((time.perf_counter() - started) * 1000, 2)
    return {"items": [_hit(h) for h in hits], "took_ms": took}


@router.get("/articles/suggest")
async def suggest(
    request: Request,
    q: Annotated[str, Query(max_length=4000)] = "",
    limit: Annotated[int, Query(ge=1, le=5)] = 5,
    language: str | None = None,
) -> dict[str, Any]:
    """At most 5 articles for what a customer is typing (any word; syntax ignored)."""
    hits = _kb(request).index.search(q, limit=limit, language=language, free_text=True)
    return {"items": [_hit(h) for h in hits]}


@router.get("/articles/{slug}")
async def article_by_slug(request: Request, slug: str) -> dict[str, Any]:
    """A published article; a draft, an archived or an unknown one are all just 404."""
    doc = await _kb(request).store.public_by_slug(slug)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such article")
    return doc


@router.post("/articles/{slug}/votes")
async def vote(request: Request, response: Response, slug: str, body: VoteIn) -> dict[str, Any]:
    """One vote per visitor per article: a repeat answers 200 with the counts, unchanged."""
    kb = _kb(request)
    article_id = kb.log.by_slug.get(slug)
    article = kb.log.articles.get(article_id) if article_id else None
    if article is None or not article.is_public:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such article")
    visitor = body.visitor or request.cookies.get(VISITOR_COOKIE)
    if not visitor:
        raise HTTPException(422, "a visitor id is needed (body `visitor` or the visitor cookie)")
    digest = hashlib.sha256(visitor.encode()).hexdigest()[:32]
    counted = await kb.store.vote(str(article.id), digest, body.helpful, kb.clock())
    response.status_code = status.HTTP_201_CREATED if counted else status.HTTP_200_OK
    doc = await kb.store.by_id(str(article.id)) or {}
    return {
        "counted": counted,
        "helpful": int(doc.get("helpful", 0)),
        "unhelpful": int(doc.get("unhelpful", 0)),
    }


@router.post("/deflections")
async def deflection(request: Request, body: DeflectionIn) -> dict[str, Any]:
    """The portal or widget says: this session opened a suggested article, or submitted."""
    if body.article is None and not body.submitted:
        raise HTTPException(422, "say which article was opened, or `submitted: true`")
    kb = _kb(request)
    doc = await kb.feedback.record_session(
        body.session_id, opened=body.article, submitted=body.submitted, at=kb.clock()
    )
    return {
        "session_id": body.session_id,
        "opened": doc.get("opened", []),
        "submitted": bool(doc.get("submitted", False)),
    }


# -- staff ---------------------------------------------------------------------------------


@router.get("/deflection-rate")
async def deflection_rate(request: Request, _: StaffCaller) -> dict[str, Any]:
    """Sessions that opened a suggested article and did not submit, over those that opened."""
    return await _kb(request).feedback.deflection_rate()


@router.get("/similar-tickets/{ticket_id}")
async def similar_tickets(
    request: Request,
    _: StaffCaller,
    ticket_id: UUID,
    limit: Annotated[int, Query(ge=1, le=5)] = 5,
) -> dict[str, Any]:
    """Up to 5 earlier tickets most like this one (subject and public messages)."""
    found = _kb(request).tickets.similar(ticket_id, limit)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such ticket (or not indexed yet)")
    return {"items": [asdict(t) for t in found]}


@router.post("/suggestions", status_code=status.HTTP_201_CREATED)
async def add_suggestion(
    request: Request, caller: StaffCaller, body: SuggestionIn
) -> dict[str, Any]:
    """An agent flags an article as outdated, or asks for a new one, from a ticket."""
    kb = _kb(request)
    article_id: UUID | None = None
    if body.kind == "outdated":
        article_id = kb.log.by_slug.get(body.article or "")
        if article_id is None:
            raise HTTPException(422, "`article`: the slug of an existing article is needed")
    elif not (body.title or body.note).strip():
        raise HTTPException(422, "say what the new article should cover (`title` or `note`)")
    suggestion = {
        "_id": str(uuid4()),
        "kind": body.kind,
        "ticket_id": str(body.ticket_id),
        "ticket_reference": body.ticket_reference,
        "article_id": str(article_id) if article_id else None,
        "article": body.article if article_id else None,
        "title": body.title,
        "note": body.note,
        "raised_by": caller.account,
        "raised_by_name": caller.name,
        "status": "open",
        "created_at": kb.clock(),
    }
    await kb.feedback.add_suggestion(suggestion)
    return {"id": suggestion["_id"], "status": "open"}


# -- editors -------------------------------------------------------------------------------


@router.get("/admin/suggestions")
async def list_suggestions(
    request: Request,
    _: EditorCaller,
    status_: Annotated[Literal["open", "done"] | None, Query(alias="status")] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    return {"items": await _kb(request).feedback.suggestions_list(status_, limit)}


@router.post("/admin/suggestions/{suggestion_id}/close")
async def close_suggestion(
    request: Request, caller: EditorCaller, suggestion_id: UUID
) -> dict[str, Any]:
    kb = _kb(request)
    doc = await kb.feedback.close_suggestion(suggestion_id, caller.account or "", kb.clock())
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such suggestion")
    return doc


@router.get("/admin/articles")
async def admin_list(
    request: Request,
    _: EditorCaller,
    status_: Annotated[
        Literal["draft", "published", "archived"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    return {"items": await _kb(request).store.list_all(status=status_, limit=limit, skip=offset)}


@router.get("/admin/articles/{article_id}")
async def admin_get(request: Request, _: EditorCaller, article_id: UUID) -> dict[str, Any]:
    """Any status, with every revision (for restoring one)."""
    kb = _kb(request)
    doc = await kb.store.by_id(str(article_id))
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such article")
    return {**doc, "revisions": await kb.store.revisions_of(str(article_id))}


@router.post("/admin/articles", status_code=status.HTTP_201_CREATED)
async def create_article(
    request: Request,
    caller: EditorCaller,
    body: ArticleIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """A new draft; its slug comes from the title and never changes."""
    log = _kb(request).log
    author = caller.name or caller.account or "editor"
    command_id = _command_id(caller, idempotency_key)
    outcome = await _run(lambda: log.draft(body.content(), author, caller.actor, command_id))
    return _outcome(outcome)


async def _change(
    request: Request,
    caller: Caller,
    article_id: UUID,
    version: int,
    decide: Decide,
    key: str | None,
) -> dict[str, Any]:
    log = _kb(request).log
    command_id = _command_id(caller, key)
    outcome = await _run(lambda: log.execute(article_id, version, decide, caller.actor, command_id))
    return _outcome(outcome)


@router.put("/admin/articles/{article_id}")
async def revise_article(
    request: Request,
    caller: EditorCaller,
    article_id: UUID,
    body: ReviseIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """New content; `version` is the one read (409 if someone changed it since)."""
    content = ArticleIn.model_validate(body.model_dump(exclude={"version", "note"})).content()
    return await _change(
        request,
        caller,
        article_id,
        body.version,
        lambda article: rules.revise(article, content, body.note),
        idempotency_key,
    )


@router.post("/admin/articles/{article_id}/publish")
async def publish_article(
    request: Request,
    caller: EditorCaller,
    article_id: UUID,
    body: VersionIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    return await _change(request, caller, article_id, body.version, rules.publish, idempotency_key)


@router.post("/admin/articles/{article_id}/archive")
async def archive_article(
    request: Request,
    caller: EditorCaller,
    article_id: UUID,
    body: ArchiveIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    return await _change(
        request,
        caller,
        article_id,
        body.version,
        lambda article: rules.archive(article, body.reason),
        idempotency_key,
    )


@router.post("/admin/articles/{article_id}/restore")
async def restore_article(
    request: Request,
    caller: EditorCaller,
    article_id: UUID,
    body: RestoreIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Make an earlier revision's content current again (a new version)."""
    return await _change(
        request,
        caller,
        article_id,
        body.version,
        lambda article: rules.restore(article, body.from_version),
        idempotency_key,
    )


__all__ = ["Services", "caller_of", "router"]
