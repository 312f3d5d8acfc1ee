"""The staff ticket list on the real MongoDB-protocol server (FerretDB in CI), and on the
gateway's SQLite listing index: the same data set and the same queries on both.

The query adapter runs against a scratch database holding documents folded by the read
model's own `apply_event`; the index folds the same events. One HTTP test checks that the
running gateway wants staff.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from conftest import Stack, bearer
from contracts.envelopes import EventEnvelope
from contracts.values import Actor
from gateway.adapters.listing_index import ListingIndex
from gateway.adapters.ticket_queries import count_views, fetch_page, ticket_history
from gateway.adapters.ticket_store import TicketStore
from gateway.domain.ticket_query import (
    PRIORITIES,
    PagePlan,
    Position,
    SortName,
    TicketQuery,
    parse_filters,
)
from gateway.domain.ticket_view import TicketView, apply_event
from gateway.identity.roles import View
from support.events import submitted
from support.waiting import eventually

pytestmark = pytest.mark.mongo

Document = dict[str, Any]
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
AGENT = Actor(kind="agent", id="a1")


def _event(
    ticket: UUID, version: int, type_: str, payload: dict[str, Any], at: datetime
) -> EventEnvelope:
    command = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        ticket_id=ticket,
        version=version,
        occurred_at=at,
        actor=Actor(kind="customer") if version == 1 else AGENT,
        command_id=command,
        correlation_id=command,
        causation_id=command,
        payload=payload,
    )


@dataclass
class Spec:
    """One ticket of the small data set and what happens to it after submission."""

    subject: str
    message: str
    priority: str
    category: str
    email: str
    then: Sequence[tuple[str, dict[str, Any]]] = ()
    updated_minutes: int = 60  # when its later events happen, after T0


SPECS = [
    Spec(
        "Printer on fire",
        "Smoke everywhere",
        "P1",
        "hardware",
        "ada@example.com",
        [
            ("ticket.assigned", {"assignee": "a1", "queue": "l1"}),
            ("ticket.status_changed", {"from_status": "new", "to_status": "open"}),
        ],
        updated_minutes=70,
    ),
    Spec(
        "Charged twice",
        "Refund please, for March",
        "P2",
        "billing",
        "bob@example.com",
        [
            ("ticket.assigned", {"assignee": "a2", "queue": "billing"}),
            ("ticket.escalated", {"reason": "bank", "tier": "L2", "from_status": "new"}),
        ],
        updated_minutes=90,
    ),
    Spec(
        "Cannot log in",
        "The password reset mail never arrives",
        "P3",
        "account",
        "Ada@Example.com",
        [
            ("ticket.assigned", {"assignee": "a1", "queue": "l1"}),
            ("ticket.status_changed", {"from_status": "new", "to_status": "in_progress"}),
            (
                "ticket.message_posted",
                {"author": "agent", "message": "secretword", "channel": "web", "internal": True},
            ),
        ],
        updated_minutes=80,
    ),
    Spec(
        "Invoice missing",
        "I need the invoice",
        "P2",
        "billing",
        "cy@example.com",
        [("ticket.status_changed", {"from_status": "new", "to_status": "resolved"})],
        updated_minutes=65,
    ),
    Spec(
        "Printer jam",
        "Paper stuck",
        "P4",
        "hardware",
        "dee@example.com",
        [
            (
                "ticket.message_posted",
                {"author": "agent", "message": "Try the rear tray", "channel": "web"},
            )
        ],
        updated_minutes=180,
    ),
    Spec(
        "Refund status",
        "Where is my refund?",
        "P1",
        "billing",
        "ada@example.com",
        [
            ("ticket.assigned", {"assignee": "a1", "queue": "billing"}),
            ("ticket.escalated", {"reason": "late", "tier": "engineering", "from_status": "new"}),
        ],
        updated_minutes=75,
    ),
]


def _envelopes(index: int, spec: Spec, ticket: UUID) -> list[EventEnvelope]:
    payload = {
        "reference": f"DVK-{5000 + index}",
        "customer": {"name": "Someone", "email": spec.email},
        "category": spec.category,
        "priority": spec.priority,
        "subject": spec.subject,
        "message_id": str(uuid4()),
        "message": spec.message,
        "channel": "web",
    }
    events = [_event(ticket, 1, "ticket.submitted", payload, T0 + timedelta(minutes=index))]
    for n, (type_, change) in enumerate(spec.then, start=2):
        if type_ == "ticket.message_posted":
            change = {**change, "message_id": str(uuid4())}
        at = T0 + timedelta(minutes=spec.updated_minutes, seconds=n)
        events.append(_event(ticket, n, type_, change, at))
    return events


@dataclass
class Dataset:
    collection: AsyncCollection[Document]
    ids: list[str]  # by index into SPECS
    # What the list queries run on: the MongoDB collection, or the listing index.
    source: AsyncCollection[Document] | ListingIndex

    def of(self, *indices: int) -> set[str]:
        return {self.ids[i] for i in indices}


async def _scratch_store(mongo: AsyncMongoClient[Document], name: str) -> TicketStore:
    store = TicketStore(mongo, f"{name}_{uuid4().hex[:8]}")
    await store.prepare()
    return store


@pytest.fixture(scope="module", params=["mongodb", "listing_index"])
async def data(
    mongo: AsyncMongoClient[Document], request: pytest.FixtureRequest
) -> AsyncIterator[Dataset]:
    store = await _scratch_store(mongo, "list")
    tickets = [uuid4() for _ in SPECS]
    envelopes = [e for i, s in enumerate(SPECS) for e in _envelopes(i, s, tickets[i])]
    await store.apply(envelopes)
    collection = await store.active_collection()
    ids = [str(t) for t in tickets]
    if request.param == "mongodb":
        yield Dataset(collection, ids, collection)
        return
    index = ListingIndex()
    for envelope in [*envelopes, *envelopes]:  # the second pass must change nothing
        index.apply(envelope)
    yield Dataset(collection, ids, index)
    index.close()


async def _page(
    source: AsyncCollection[Document] | ListingIndex, plan: PagePlan
) -> tuple[list[TicketView], Position | None]:
    if isinstance(source, ListingIndex):
        return source.fetch_page(plan)
    return await fetch_page(source, plan)


async def _counts(
    source: AsyncCollection[Document] | ListingIndex, matches: dict[View, dict[str, Any]]
) -> dict[View, int]:
    if isinstance(source, ListingIndex):
        return source.count_views(matches)
    return await count_views(source, matches)


async def _walk(
    source: AsyncCollection[Document] | ListingIndex, query: TicketQuery, me: str | None = None
) -> list[TicketView]:
    """Every page of `query`, following the cursors; the tickets in the order served."""
    seen: list[TicketView] = []
    cursor: str | None = None
    for _ in range(1000):
        docs, position = await _page(source, query.plan(me, cursor))
        seen.extend(docs)
        if position is None:
            return seen
        cursor = query.encode_cursor(position)
    raise AssertionError("the walk does not end")


async def _ids(
    data: Dataset, view: View = "all", me: str | None = None, **filters: Any
) -> set[str]:
    query = TicketQuery(view=view, filters=parse_filters(**filters), limit=2)
    return {doc["id"] for doc in await _walk(data.source, query, me)}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {0, 1, 2, 3, 4, 5}),
        ({"status": ["escalated"]}, {1, 5}),
        ({"status": ["open,in_progress"]}, {0, 2}),
        ({"status": ["new"], "priority": ["P4"]}, {4}),
        ({"priority": ["P1", "P3"]}, {0, 2, 5}),
        ({"category": ["billing"]}, {1, 3, 5}),
        ({"queue": ["l1"]}, {0, 2}),
        ({"assignee": ["a1"]}, {0, 2, 5}),
        ({"assignee": ["a2"], "category": ["hardware"]}, set()),
        ({"customer_email": ["ADA@example.com"]}, {0, 2, 5}),
        ({"created_from": T0 + timedelta(minutes=2)}, {2, 3, 4, 5}),
        ({"created_to": T0 + timedelta(minutes=2)}, {0, 1, 2}),
        (
            {"created_from": T0 + timedelta(minutes=1), "created_to": T0 + timedelta(minutes=3)},
            {1, 2, 3},
        ),
        ({"updated_from": T0 + timedelta(minutes=85)}, {1, 4}),
        ({"updated_to": T0 + timedelta(minutes=70, seconds=3)}, {0, 3}),  # inclusive
    ],
)
async def test_filters(data: Dataset, filters: dict[str, Any], expected: set[int]) -> None:
    assert await _ids(data, **filters) == data.of(*expected)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("printer", {0, 4}),
        ("PRINTER fire", {0}),
        ("refund", {1, 5}),
        ("rear tray", {4}),  # an agent's public reply is searchable
        ("secretword", set()),  # an internal note is not
        ("printer refund", set()),
        ("x", {0, 1, 2, 3, 4, 5}),  # one-letter words are never indexed
    ],
)
async def test_text_query_matches_every_word(data: Dataset, q: str, expected: set[int]) -> None:
    assert await _ids(data, q=q) == data.of(*expected)


async def test_views(data: Dataset) -> None:
    assert await _ids(data, "my_open", "a1") == data.of(0, 2, 5)
    assert await _ids(data, "my_open", "a1", status=["escalated"]) == data.of(5)
    assert await _ids(data, "my_open", "nobody") == set()
    assert await _ids(data, "escalations") == data.of(1, 5)
    assert await _ids(data, "sla_breaches") == set()


async def test_counts_per_view_respect_the_other_filters(data: Dataset) -> None:
    query = TicketQuery(view="all", filters=parse_filters(category=["billing"]))
    views: list[View] = ["my_open", "all", "escalations", "sla_breaches"]
    counts = await _counts(data.source, {v: query.match("a1", v) for v in views})
    assert counts == {"my_open": 1, "all": 3, "escalations": 2, "sla_breaches": 0}
    everything = TicketQuery(view="all")
    counts = await _counts(data.source, {v: everything.match("a1", v) for v in views})
    assert counts == {"my_open": 3, "all": 6, "escalations": 2, "sla_breaches": 0}


def _expected_order(docs: list[TicketView], sort: SortName) -> list[str]:
    if sort == "priority":
        docs = sorted(docs, key=lambda d: (PRIORITIES.index(d["priority"]), d["sort_created"]))
    else:
        key = "sort_updated" if sort.endswith("updated") else "sort_created"
        docs = sorted(docs, key=lambda d: d[key], reverse=sort.startswith("-"))
    return [d["id"] for d in docs]


@pytest.mark.parametrize(
    "sort", ["-created", "created", "-updated", "updated", "priority", "sla_due"]
)
@pytest.mark.parametrize("limit", [1, 2, 4, 100])
async def test_each_sort_pages_in_order(data: Dataset, sort: SortName, limit: int) -> None:
    everything = [doc async for doc in data.collection.find({})]
    query = TicketQuery(view="all", sort=sort, limit=limit)
    walked = [doc["id"] for doc in await _walk(data.source, query)]
    assert walked == _expected_order(everything, sort)


@pytest.mark.parametrize("sort", ["-created", "updated"])
async def test_split_filters_merge_their_parts_in_order(data: Dataset, sort: SortName) -> None:
    filters = parse_filters(status=["escalated,open,new,resolved"])
    query = TicketQuery(view="all", sort=sort, limit=1, filters=filters)
    assert len(query.plan(None).steps[0].queries) == 4
    everything = [doc async for doc in data.collection.find({"status": {"$ne": "in_progress"}})]
    walked = [doc["id"] for doc in await _walk(data.source, query)]
    assert walked == _expected_order(everything, sort)


async def test_equality_filters_are_pushed_down_on_ferretdb(data: Dataset) -> None:
    """What the module docstring of `gateway.domain.ticket_query` records, kept true."""

    async def explain(query: TicketQuery) -> list[dict[str, Any]]:
        plan = query.plan("a1")
        answers = []
        for filter_ in plan.steps[0].queries:
            find = {
                "find": data.collection.name,
                "filter": filter_,
                "sort": {plan.key: plan.direction},
                "limit": plan.limit + 1,
            }
            answers.append(await data.collection.database.command("explain", find))
        return answers

    hot = (await explain(TicketQuery(view="all")))[0]
    if "filterPushdown" not in hot:
        pytest.skip("not FerretDB: MongoDB plans with its indexes")
    assert (hot["filterPushdown"], hot["sortPushdown"], hot["limitPushdown"]) == (False,) * 3
    pushed = [
        TicketQuery(view="my_open"),
        TicketQuery(view="escalations"),
        TicketQuery(view="sla_breaches"),
        TicketQuery(view="all", sort="priority"),
        TicketQuery(view="all", filters=parse_filters(q="printer fire")),
        TicketQuery(view="all", filters=parse_filters(status=["new,open"])),
    ]
    for query in pushed:
        for answer in await explain(query):
            assert answer["filterPushdown"] is True, query


async def test_priority_sort_with_filters_crosses_buckets(data: Dataset) -> None:
    query = TicketQuery(view="all", sort="priority", limit=1, filters=parse_filters(q="refund"))
    walked = [doc["id"] for doc in await _walk(data.source, query)]
    assert walked == [data.ids[5], data.ids[1]]  # P1 then P2


async def test_listed_tickets_keep_their_sort_keys_until_the_route_shapes_them(
    data: Dataset,
) -> None:
    docs, _ = await _page(data.source, TicketQuery(view="all").plan(None))
    assert all("terms" not in d and "history" not in d and "sort_created" in d for d in docs)
    assert all("thread" not in d for d in docs)  # GET one ticket for its thread


async def test_history_lists_who_did_what_and_when(data: Dataset) -> None:
    history = await ticket_history(data.collection, data.ids[2])
    assert history is not None
    assert [h["version"] for h in history] == [1, 2, 3, 4]
    assert [h["type"] for h in history] == [
        "ticket.submitted",
        "ticket.assigned",
        "ticket.status_changed",
        "ticket.message_posted",
    ]
    assert history[1]["actor"] == {"kind": "agent", "id": "a1"}
    assert history[2]["change"]["to_status"] == "in_progress"
    assert history[1]["at"] > history[0]["at"]
    assert await ticket_history(data.collection, "dvk-5002") == history
    assert await ticket_history(data.collection, str(uuid4())) is None


# --- pagination while tickets arrive ---------------------------------------------------------

ARRIVING_BATCH = 25


def _ticket_documents(count: int, first_second: int, prefix: int) -> list[TicketView]:
    docs = []
    for i in range(count):
        envelope = submitted(uuid4(), f"DVK-{prefix + i}", subject=f"ticket {i}")
        envelope = envelope.model_copy(
            update={
                "occurred_at": T0 + timedelta(seconds=first_second + i),
                "payload": {**envelope.payload, "priority": PRIORITIES[i % 4]},
            }
        )
        doc = apply_event(None, envelope)
        assert doc is not None
        docs.append(doc)
    return docs


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sort", "existing_count", "arriving_count"),
    [("-created", 10_000, 500), ("created", 1_000, 100), ("priority", 1_000, 100)],
)
async def test_pages_neither_skip_nor_repeat_while_tickets_arrive(
    mongo: AsyncMongoClient[Document], sort: SortName, existing_count: int, arriving_count: int
) -> None:
    """The issue's "Show": the union of the pages of a walk (limit 100) has no duplicate and
    every ticket that existed when it began, while newer tickets keep arriving."""
    store = await _scratch_store(mongo, "pages")
    collection = await store.active_collection()
    started = time.monotonic()
    existing = _ticket_documents(existing_count, 0, 100_000)
    for start in range(0, existing_count, 1000):
        await collection.insert_many(existing[start : start + 1000])
    inserted_s = time.monotonic() - started
    arriving = _ticket_documents(arriving_count, existing_count + 3600, 200_000)
    page_served = asyncio.Event()

    async def tickets_arrive() -> None:
        # A batch after each page served: the walk and the inserts surely interleave.
        for start in range(0, arriving_count, ARRIVING_BATCH):
            await page_served.wait()
            page_served.clear()
            await collection.insert_many(arriving[start : start + ARRIVING_BATCH])

    query = TicketQuery(view="all", sort=sort, limit=100)
    seen: list[str] = []
    page_times: list[float] = []
    inserter = asyncio.create_task(tickets_arrive())
    cursor: str | None = None
    walk_started = time.monotonic()
    while True:
        page_started = time.monotonic()
        docs, position = await fetch_page(collection, query.plan(None, cursor))
        page_times.append(time.monotonic() - page_started)
        seen.extend(doc["id"] for doc in docs)
        page_served.set()
        if position is None:
            break
        cursor = query.encode_cursor(position)
    walk_s = time.monotonic() - walk_started
    await asyncio.wait_for(inserter, timeout=60)
    await mongo.drop_database(collection.database.name)

    assert len(seen) == len(set(seen)), "a ticket was served twice"
    missing = {doc["id"] for doc in existing} - set(seen)
    assert not missing, f"{len(missing)} tickets that existed at the start were skipped"
    arrived = {doc["id"] for doc in arriving}
    if sort == "-created":  # newest first: a walk begun never meets newer tickets
        assert not arrived & set(seen)
    if sort == "created":  # oldest first: they all arrived before the walk reached its end
        assert arrived <= set(seen)
    page_times.sort()
    print(
        f"\n[{sort}] inserted {existing_count} in {inserted_s:.1f}s; walked"
        f" {len(page_times)} pages of 100 ({len(seen)} tickets) in {walk_s:.1f}s while"
        f" {arriving_count} arrived; page median {page_times[len(page_times) // 2] * 1000:.0f}"
        f" ms, max {page_times[-1] * 1000:.0f} ms"
    )


# --- over HTTP ---------------------------------------------------------------------------------


@pytest.mark.kafka
async def test_the_list_wants_a_staff_token(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        for path in ("/api/v1/tickets", f"/api/v1/tickets/{uuid4()}/history"):
            answer = await client.get(path)
            assert answer.status_code == 401, answer.text
            assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.kafka
async def test_staff_list_and_history_over_http(stack: Stack, staff_tokens: dict[str, str]) -> None:
    word = f"zq{uuid4().hex[:12]}"
    manager, agent = bearer(staff_tokens["manager"]), bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ids = []
        for n in (1, 2):
            created = await client.post(
                "/api/v1/tickets",
                json={
                    "customer": {"name": "Lin Customer", "email": "lin@example.com"},
                    "subject": f"Parcel {n} lost {word}",
                    "message": "It never arrived.",
                },
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        search = {"q": word, "limit": "1"}

        async def both_listed() -> dict[str, Any] | None:
            answer = await client.get("/api/v1/tickets", params=search, headers=manager)
            assert answer.status_code == 200, answer.text
            page: dict[str, Any] = answer.json()
            return page if page["counts"]["all"] == 2 else None

        first = await eventually(both_listed, timeout_s=30, what="both tickets listed")
        assert first["counts"] == {"all": 2, "escalations": 0, "sla_breaches": 0}
        assert [t["id"] for t in first["items"]] == [ids[1]]  # newest first
        hidden = {"_id", "terms", "history", "sort_created", "sort_updated", "customer_email"}
        assert not hidden & set(first["items"][0])
        cursor = first["next_cursor"]
        assert cursor
        second = await client.get(
            "/api/v1/tickets", params={**search, "cursor": cursor}, headers=manager
        )
        assert [t["id"] for t in second.json()["items"]] == [ids[0]]
        assert second.json()["next_cursor"] is None
        for params in ({"cursor": cursor}, {**search, "sort": "created", "cursor": cursor}):
            refused = await client.get("/api/v1/tickets", params=params, headers=manager)
            assert refused.status_code == 400, refused.text

        extremes = {"created_from": "0001-01-01T00:00:00+05:00", "created_to": "9999-12-31T23:59"}
        wide = await client.get("/api/v1/tickets", params={**search, **extremes}, headers=manager)
        assert wide.status_code == 200, wide.text
        assert wide.json()["counts"]["all"] == 2

        assert (await client.get("/api/v1/tickets?view=all", headers=agent)).status_code == 403
        mine = await client.get("/api/v1/tickets", params=search, headers=agent)
        assert mine.status_code == 200
        assert mine.json()["counts"] == {"my_open": 0}  # an agent's default view: my_open
        escalations = await client.get(
            "/api/v1/tickets", params=search, headers=bearer(staff_tokens["engineer"])
        )
        assert escalations.json()["counts"] == {"escalations": 0}

        # History reads the MongoDB read model, a projection of its own that may trail the
        # listing index by a moment: both are eventually consistent with the log.
        async def history_of_first() -> httpx.Response | None:
            answer = await client.get(f"/api/v1/tickets/{ids[0]}/history", headers=agent)
            return answer if answer.status_code == 200 else None

        history = await eventually(history_of_first, timeout_s=15, what="the first's history")
        assert [h["type"] for h in history.json()["items"]] == ["ticket.submitted"]
        for unknown in (str(uuid4()), "DVK-1", "x%00y"):
            answer = await client.get(f"/api/v1/tickets/{unknown}/history", headers=agent)
            assert answer.status_code == 404, answer.text
