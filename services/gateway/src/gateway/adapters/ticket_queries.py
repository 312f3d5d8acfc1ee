"""Staff queries over the tickets read model: pages, counts per view, and history.

Each function takes the collection the `TicketStore` currently serves
(`await store.active_collection()`), so a projection rebuild's switch-over applies here too.
The query documents come from `gateway.domain.ticket_query`, which explains their shape and
what FerretDB 1.24 pushes down to PostgreSQL; only plain `find` and `count_documents` are
used, which both FerretDB and MongoDB serve. A filter split into disjoint parts
(`split_for_pushdown`) is asked part by part, side by side, and the sorted parts merged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from gateway.domain.ticket_query import PagePlan, Position, split_for_pushdown, ticket_lookup
from gateway.domain.ticket_view import TicketView
from gateway.identity.roles import View

Document = dict[str, Any]

# Listed tickets leave out the thread (GET one ticket for it) and what only queries need;
# `staff_view` drops the rest.
LIST_PROJECTION: Mapping[str, bool] = {"terms": False, "history": False, "thread": False}


async def fetch_page(
    collection: AsyncCollection[Document], plan: PagePlan
) -> tuple[list[TicketView], Position | None]:
    """The page's documents in order, and where the next page starts (None: no more)."""
    found: list[tuple[str | None, TicketView]] = []
    for step in plan.steps:
        wanted = plan.limit + 1 - len(found)
        if wanted <= 0:
            break
        parts = await asyncio.gather(
            *(_first(collection, query, plan, wanted) for query in step.queries)
        )
        docs = [doc for part in parts for doc in part]
        if len(parts) > 1:
            docs.sort(key=lambda doc: str(doc[plan.key]), reverse=plan.direction < 0)
        found.extend((step.bucket, doc) for doc in docs[:wanted])
    return plan.finish(found)


async def _first(
    collection: AsyncCollection[Document], query: Document, plan: PagePlan, count: int
) -> list[TicketView]:
    cursor = collection.find(
        query, projection=dict(LIST_PROJECTION), sort=[(plan.key, plan.direction)], limit=count
    )
    return [doc async for doc in cursor]


async def count_views(
    collection: AsyncCollection[Document], matches: Mapping[View, Mapping[str, Any]]
) -> dict[View, int]:
    """Tickets per view: one `count_documents` per view (per part of a split filter)."""

    async def count(match: Mapping[str, Any]) -> int:
        parts = split_for_pushdown(match)
        return sum(await asyncio.gather(*(collection.count_documents(p) for p in parts)))

    views = list(matches)
    counts = await asyncio.gather(*(count(matches[v]) for v in views))
    return dict(zip(views, counts, strict=True))


async def ticket_history(
    collection: AsyncCollection[Document], ticket: str
) -> list[Document] | None:
    """Who did what and when on a ticket (by id or reference), oldest first; None if unknown."""
    query = ticket_lookup(ticket)
    if query is None:
        return None
    doc = await collection.find_one(query, projection={"_id": False, "history": True})
    if doc is None:
        return None
    history: list[Document] = doc.get("history", [])
    return history
