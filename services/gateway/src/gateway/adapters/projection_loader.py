"""Folding a replay of the ticket log into a fresh collection no one else writes yet.

The first phase of `make rebuild-projections`: until the switch-over, the rebuild is the one
writer of its collection, so it need not read documents back to learn their version, nor
write one per batch of events. Events are folded in memory, many per ticket, and each
document is written once per flush: inserted when new, replaced (guarded by the version it
was written at) only when an earlier flush wrote it. Documents written lately stay in memory
(`cache_documents`), so a ticket whose events straddle flushes is not read back either; an
older one is read by `_id` equality, the one lookup FerretDB 1.24 serves from an index.

One flush is written while the next events are folded, so Python and the server work at
once. The secondary indexes are built after the load (`finish`): PostgreSQL builds an index
over a full table far faster than it maintains a dozen expression indexes per insert.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from contracts.envelopes import EventEnvelope
from gateway.adapters.ticket_store import (
    REPLACE_CHUNK,
    ConcurrentProjectionWrite,
    Document,
    TicketStore,
    find_by_ids,
)
from gateway.domain.ticket_view import TicketView, apply_event

# Documents folded in memory before they are written; one `insert_many` per INSERT_CHUNK.
FLUSH_DOCUMENTS = 2000
INSERT_CHUNK = 500
# Documents kept after their flush, so later events of the same tickets need no read-back.
CACHE_DOCUMENTS = 10_000
DUPLICATE_KEY = 11000


class ProjectionLoader:
    """Fold events with `add`, then `finish`: every document written, indexes built."""

    def __init__(
        self,
        store: TicketStore,
        collection: str,
        *,
        flush_documents: int = FLUSH_DOCUMENTS,
        cache_documents: int = CACHE_DOCUMENTS,
    ) -> None:
        self._store = store
        self._collection = collection
        self._target: AsyncCollection[Document] = store.collection(collection)
        self._flush_documents = flush_documents
        self._cache_documents = cache_documents
        # Folded and not yet written, with the version each has in the collection (0: none).
        self._pending: dict[str, TicketView] = {}
        self._stored: dict[str, int] = {}
        # Written, in flush order (oldest first): a dict keeps insertion order.
        self._cache: dict[str, TicketView] = {}
        self._writing: asyncio.Task[None] | None = None
        self.written = 0

    async def add(self, envelopes: Sequence[EventEnvelope]) -> None:
        """Fold these events (in log order per ticket); raises GapInEvents on a missing one."""
        await self._load_missing(envelopes)
        for envelope in envelopes:
            key = str(envelope.ticket_id)
            view = self._pending.get(key)
            if view is None:
                view = self._cache.get(key)
                self._stored.setdefault(key, view["version"] if view else 0)
            updated = apply_event(view, envelope)
            if updated is not None:
                self._pending[key] = updated
        if len(self._pending) >= self._flush_documents:
            await self._start_flush()

    async def flush(self) -> None:
        """Write everything folded so far and wait for it."""
        await self._start_flush()
        await self._wait_for_flush()

    async def finish(self) -> int:
        """Write what is left, build the indexes; returns the document writes made."""
        await self.flush()
        await self._store.prepare(self._collection, folded_fresh=True)
        return self.written

    async def _load_missing(self, envelopes: Sequence[EventEnvelope]) -> None:
        """Read back the documents of tickets whose events continue one no longer in memory."""
        first: dict[str, int] = {}
        for envelope in envelopes:
            first.setdefault(str(envelope.ticket_id), envelope.version)
        missing = [
            key
            for key, version in first.items()
            if version != 1 and key not in self._pending and key not in self._cache
        ]
        if not missing:
            return
        # A flush in flight may hold them: let it land first.
        await self._wait_for_flush()
        for doc in await find_by_ids(self._target, missing):
            self._cache[doc["_id"]] = doc

    async def _start_flush(self) -> None:
        await self._wait_for_flush()
        if not self._pending:
            return
        documents, stored = self._pending, self._stored
        self._pending, self._stored = {}, {}
        for key, view in documents.items():
            self._cache.pop(key, None)
            self._cache[key] = view
        for key in list(self._cache)[: max(0, len(self._cache) - self._cache_documents)]:
            del self._cache[key]
        self._writing = asyncio.create_task(self._write(documents, stored))

    async def _wait_for_flush(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def _write(self, documents: dict[str, TicketView], stored: dict[str, int]) -> None:
        created = [v for k, v in documents.items() if not stored[k]]
        replaced = [v for k, v in documents.items() if stored[k]]
        for start in range(0, len(created), INSERT_CHUNK):
            await self._insert(created[start : start + INSERT_CHUNK])
        for start in range(0, len(replaced), REPLACE_CHUNK):
            await self._replace(replaced[start : start + REPLACE_CHUNK], stored)
        self.written += len(documents)

    async def _insert(self, documents: list[TicketView]) -> None:
        try:
            await self._target.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            # Only a ticket whose submission the log holds twice lands here (a replay of a
            # healthy log never does): keep whichever document has applied more.
            errors: list[dict[str, Any]] = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            clashing = [documents[e["index"]] for e in errors]
            there = {
                d["_id"]: d["version"]
                for d in await find_by_ids(self._target, [v["_id"] for v in clashing])
            }
            newer = [v for v in clashing if there.get(v["_id"], 0) < v["version"]]
            if any(v["_id"] not in there for v in newer):
                raise  # a duplicate of some other key (a reference twice): nothing to keep
            await self._replace(newer, there)

    async def _replace(self, documents: list[TicketView], stored: dict[str, int]) -> None:
        if not documents:
            return
        result = await self._target.bulk_write(
            [ReplaceOne({"_id": v["_id"], "version": stored[v["_id"]]}, v) for v in documents],
            ordered=False,
        )
        if result.matched_count != len(documents):
            # Someone else wrote into the collection meanwhile: it was not fresh after all.
            raise ConcurrentProjectionWrite(f"{len(documents) - result.matched_count} stale")
