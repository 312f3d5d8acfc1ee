"""The tickets read model in MongoDB: applying event batches, reading, and switching over.

The active collection's name lives in `projection_meta`, so `make rebuild-projections` can
build a fresh collection from the log and switch every gateway to it without downtime.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pymongo import AsyncMongoClient, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from contracts.envelopes import EventEnvelope
from gateway.domain.ticket_view import TicketView, apply_event, sla_fields, sort_key

META = "projection_meta"
PROJECTION = "tickets"
DEFAULT_COLLECTION = "tickets_v1"
# In `META`, per collection: its documents all carry the SLA and routing fields.
DERIVED_FIELDS_MARKER = "sla-fields"
# Readers re-check which collection is active this often; a switch-over is seen this fast.
POINTER_TTL_S = 1.0

Document = dict[str, Any]

# FerretDB 1.24 keeps one PostgreSQL connection open per matched statement of an `update`
# command until the whole command ends; with its pool of 50 a large bulk replace deadlocks
# the server. Small chunks keep every command well below that.
REPLACE_CHUNK = 32


_QUERY_INDEXES: tuple[list[tuple[str, int]], ...] = (
    [("sort_created", 1)],
    [("sort_updated", 1)],
    [("status", 1), ("sort_created", 1)],
    [("assignee", 1), ("sort_created", 1)],
    [("priority", 1), ("sort_created", 1)],
    [("sort_sla", 1)],
    [("sla_breached", 1), ("sort_created", 1)],
    [("sla_state", 1), ("sort_created", 1)],
    [("customer_email", 1)],
    [("terms", 1)],
)


# Lookups in flight at once when a batch reads its documents.
READ_CONCURRENCY = 16


async def find_by_ids(target: AsyncCollection[Document], ids: Sequence[str]) -> list[Document]:
    """The documents with these ids, one equality lookup each, several in flight.

    Not one `{"_id": {"$in": ids}}`: FerretDB 1.24 does not push `$in` down, so that reads
    and decodes the whole collection on every batch (minutes per batch at 100,000 tickets),
    while a plain equality is pushed down and served by an index.
    """
    gate = asyncio.Semaphore(READ_CONCURRENCY)

    async def one(ticket_id: str) -> Document | None:
        async with gate:
            return await target.find_one({"_id": ticket_id})

    found = await asyncio.gather(*(one(i) for i in ids))
    return [doc for doc in found if doc is not None]


def derived_sort_keys(doc: Document) -> Document:
    """The sort keys a document folded by an older gateway may lack (`sort_sla`, and from the
    oldest ones `sort_created` / `sort_updated` too), from the fields it has."""
    ticket_id = str(doc.get("id", doc["_id"]))
    keys: Document = {}
    for key, at in (("sort_created", "created_at"), ("sort_updated", "updated_at")):
        if key not in doc:
            moment = doc.get(at) or doc.get("created_at") or datetime.min
            keys[key] = sort_key(
                moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment, ticket_id
            )
    created = keys.get("sort_created", doc.get("sort_created"))
    keys["sort_sla"] = sla_fields({**doc, "id": ticket_id, "sort_created": created, "sla": None})[
        "sort_sla"
    ]
    return keys


class ConcurrentProjectionWrite(RuntimeError):
    """A document changed between read and write; the batch is re-read and applied again."""


class TicketStore:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self._db: AsyncDatabase[Document] = client[database]
        self._active: str | None = None
        self._active_checked = 0.0

    async def active_collection(self, *, fresh: bool = False) -> AsyncCollection[Document]:
        now = time.monotonic()
        if fresh or self._active is None or now - self._active_checked > POINTER_TTL_S:
            meta = await self._db[META].find_one({"_id": PROJECTION})
            self._active = meta["collection"] if meta else DEFAULT_COLLECTION
            self._active_checked = now
        return self._db[self._active]

    def collection(self, name: str) -> AsyncCollection[Document]:
        return self._db[name]

    async def prepare(self, collection: str | None = None, *, folded_fresh: bool = False) -> None:
        """Indexes (kept when there), and the derived fields of documents older gateways
        folded; `folded_fresh`: every document was folded by this code, which stores them."""
        target = self._db[collection] if collection else await self.active_collection(fresh=True)
        await target.create_index("reference", unique=True)
        # For the staff list (`gateway.adapters.ticket_queries`): MongoDB serves its sorts,
        # cursor ranges and equality filters from these; FerretDB 1.24 keeps them too but
        # filters with `@>` on the JSON it fetches. One at a time: FerretDB deadlocks on
        # concurrent index creation.
        for keys in _QUERY_INDEXES:
            await target.create_index(keys)
        if folded_fresh:
            await self._mark_derived_fields(target)
        else:
            await self._add_derived_fields(target)

    async def _add_derived_fields(self, target: AsyncCollection[Document]) -> None:
        """Once per collection: give documents folded before the SLA fields existed their
        `sort_sla` (no clock: last), so the `sla_due` sort sees every ticket (the other SLA
        fields are stored only when set). Guarded by version: a document the projector
        changes meanwhile gets it from `apply_event` anyway. (A document whose SLA events an
        older gateway folded as no-ops needs `make rebuild-projections`.)"""
        if await self._db[META].find_one({"_id": self._derived_marker(target)}):
            return
        missing = target.find(
            {"sort_sla": {"$exists": False}},
            projection={
                **dict.fromkeys(("_id", "id", "version", "created_at", "updated_at"), True),
                **dict.fromkeys(("sort_created", "sort_updated"), True),
            },
        )
        async for doc in missing:
            await target.update_one(
                {"_id": doc["_id"], "version": doc["version"]}, {"$set": derived_sort_keys(doc)}
            )
        await self._mark_derived_fields(target)

    @staticmethod
    def _derived_marker(target: AsyncCollection[Document]) -> str:
        return f"{DERIVED_FIELDS_MARKER}:{target.name}"

    async def _mark_derived_fields(self, target: AsyncCollection[Document]) -> None:
        marker = self._derived_marker(target)
        await self._db[META].replace_one({"_id": marker}, {"_id": marker}, upsert=True)

    async def switch_to(self, collection: str) -> None:
        await self._db[META].replace_one(
            {"_id": PROJECTION}, {"_id": PROJECTION, "collection": collection}, upsert=True
        )
        self._active = collection

    async def apply(self, envelopes: Sequence[EventEnvelope], collection: str | None = None) -> int:
        """Fold a batch of events into their documents with one bulk write; returns changes.

        Raises GapInEvents when an event's predecessor has not been applied yet.
        """
        target = self._db[collection] if collection else await self.active_collection(fresh=True)
        try:
            return await self._apply(target, envelopes, look_up_new=False)
        except BulkWriteError as error:
            # A "new" ticket was there already (the batch is a redelivery): read them all.
            inserted = int(error.details.get("nInserted", 0))
            return inserted + await self._apply(target, envelopes, look_up_new=True)

    async def _apply(
        self,
        target: AsyncCollection[Document],
        envelopes: Sequence[EventEnvelope],
        *,
        look_up_new: bool,
    ) -> int:
        ids = list({str(e.ticket_id) for e in envelopes})
        views: dict[str, TicketView | None] = dict.fromkeys(ids)
        existing: dict[str, int] = {}
        # A ticket whose first event here is its version 1 has no document yet, in the common
        # case: not looking it up saves a query per submission (a tenth of the gateway's CPU
        # under submit load). A redelivery finds it inserted already and comes back here.
        first_versions: dict[str, int] = {}
        for envelope in envelopes:
            first_versions.setdefault(str(envelope.ticket_id), envelope.version)
        lookups = [i for i in ids if look_up_new or first_versions[i] != 1]
        for doc in await find_by_ids(target, lookups):
            views[doc["_id"]] = doc
            existing[doc["_id"]] = doc["version"]
        changed: set[str] = set()
        for envelope in envelopes:
            key = str(envelope.ticket_id)
            updated = apply_event(views[key], envelope)
            if updated is not None:
                views[key] = updated
                changed.add(key)
        updates = [v for k in sorted(changed) if (v := views[k]) is not None]
        created = [v for v in updates if v["_id"] not in existing]
        replaced = [v for v in updates if v["_id"] in existing]
        if created:
            await target.insert_many(created, ordered=False)
        for start in range(0, len(replaced), REPLACE_CHUNK):
            chunk = replaced[start : start + REPLACE_CHUNK]
            result = await target.bulk_write(
                [ReplaceOne({"_id": v["_id"], "version": existing[v["_id"]]}, v) for v in chunk],
                ordered=False,
            )
            if result.matched_count != len(chunk):
                # Another writer (a rebuild catching up) got there first; re-read and retry.
                raise ConcurrentProjectionWrite(f"{len(chunk) - result.matched_count} stale")
        return len(changed)

    async def get(self, ticket_id: UUID | str) -> TicketView | None:
        collection = await self.active_collection()
        key = str(ticket_id)
        query = {"reference": key.upper()} if key.upper().startswith("DVK-") else {"_id": key}
        return await collection.find_one(query, projection={"_id": False})

    async def wait_for_version(
        self, ticket_id: UUID | str, min_version: int, timeout_s: float
    ) -> TicketView | None:
        """The ticket once its projection reaches `min_version`, or as it is at the deadline."""
        deadline = time.monotonic() + timeout_s
        delay = 0.005
        while True:
            view = await self.get(ticket_id)
            if (view and view["version"] >= min_version) or time.monotonic() >= deadline:
                return view
            await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.1)

    async def all_documents(self, collection: str | None = None) -> list[TicketView]:
        target = self._db[collection] if collection else await self.active_collection(fresh=True)
        return [doc async for doc in target.find({}).sort("_id", 1)]

    async def drop(self, collections: Iterable[str]) -> None:
        for name in collections:
            await self._db.drop_collection(name)

    async def collection_names(self) -> list[str]:
        return [n for n in await self._db.list_collection_names() if n.startswith("tickets_")]
