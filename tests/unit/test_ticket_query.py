"""The staff ticket list, pure parts: filters as MongoDB queries, cursors, views per role."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts.envelopes import EventEnvelope
from contracts.values import Actor
from gateway.access import Principal, current_principal
from gateway.adapters.listing_index import ListingIndex
from gateway.domain.ticket_query import (
    OPEN_STATUSES,
    InvalidCursor,
    InvalidFilter,
    PagePlan,
    Position,
    TicketFilters,
    TicketQuery,
    ViewForbidden,
    build_match,
    parse_filters,
    query_words,
    resolve_view,
    split_for_pushdown,
    ticket_lookup,
    visible_views,
)
from gateway.entrypoints import http_ticket_queries
from gateway.identity.roles import ROLES, VIEWS, may_see_view
from support.events import submitted

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = "2026-11-24T12:00:00.000000+00:00|6f1c2a44-0d7e-4d53-9d0b-2c4f7e1a9b10"


# --- filters → query documents ----------------------------------------------------------


def test_all_without_filters_matches_everything() -> None:
    assert build_match("all", TicketFilters(), None) == {}


def test_one_value_is_an_equality_several_are_in() -> None:
    one = parse_filters(status=["open"], priority=["p1"], category=["Billing"])
    assert build_match("all", one, None) == {
        "status": "open",
        "priority": "P1",
        "category": "billing",
    }
    several = parse_filters(status=["open,new", "on_hold"], queue=["l2", "l1", "l2"])
    assert build_match("all", several, None) == {
        "status": {"$in": ["new", "on_hold", "open"]},
        "queue": {"$in": ["l1", "l2"]},
    }


def test_empty_list_values_do_not_filter() -> None:
    assert parse_filters(status=[",", " "], assignee=[]) == TicketFilters()


def test_assignee_and_customer_email() -> None:
    filters = parse_filters(assignee=["a1"], customer_email=["Ada@Example.com"])
    assert build_match("all", filters, None) == {
        "assignee": "a1",
        "customer_email": "ada@example.com",
    }


def test_priority_aliases_of_the_forms_are_accepted() -> None:
    assert parse_filters(priority=["urgent", "low"]).priority == ("P1", "P4")


def test_my_open_is_mine_and_open_ish() -> None:
    match = build_match("my_open", TicketFilters(), "a1")
    assert match == {"status": {"$in": sorted(OPEN_STATUSES)}, "assignee": "a1"}


def test_view_and_filters_narrow_each_other() -> None:
    open_only = parse_filters(status=["open", "resolved"])
    assert build_match("my_open", open_only, "a1")["status"] == "open"
    resolved = parse_filters(status=["resolved"])
    assert build_match("my_open", resolved, "a1")["status"] == {"$in": []}
    someone_else = parse_filters(assignee=["a2"])
    assert build_match("my_open", someone_else, "a1")["assignee"] == {"$in": []}
    assert build_match("my_open", TicketFilters(), None)["assignee"] == {"$in": []}
    assert build_match("escalations", open_only, None)["status"] == {"$in": []}


def test_escalations_and_sla_breaches() -> None:
    assert build_match("escalations", TicketFilters(), None) == {"status": "escalated"}
    assert build_match("sla_breaches", TicketFilters(), None) == {"sla_breached": True}


def test_sla_state_filters_on_the_worst_clock_state() -> None:
    assert build_match("all", parse_filters(sla_state=["AT_RISK"]), None) == {
        "sla_state": "at_risk"
    }
    both = build_match("sla_breaches", parse_filters(sla_state=["breached,at_risk"]), None)
    assert both == {"sla_state": {"$in": ["at_risk", "breached"]}, "sla_breached": True}
    # `sla_breached` is an equality FerretDB pushes down: no need to split the `$in`.
    assert split_for_pushdown(both) == (both,)
    alone = build_match("all", parse_filters(sla_state=["breached,at_risk"]), None)
    assert split_for_pushdown(alone) == ({"sla_state": "at_risk"}, {"sla_state": "breached"})
    with pytest.raises(InvalidFilter) as refused:
        parse_filters(sla_state=["late"])
    assert refused.value.field == "sla_state"


def test_sla_due_sorts_on_the_sla_key_and_its_cursor_belongs_to_it() -> None:
    query = TicketQuery(view="sla_breaches", sort="sla_due")
    plan = query.plan(None)
    assert (plan.key, plan.direction) == ("sort_sla", 1)
    assert [s.filter for s in plan.steps] == [{"sla_breached": True}]
    cursor = query.encode_cursor(Position("~" + KEY))
    assert query.plan(None, cursor).steps[0].filter == {
        "sla_breached": True,
        "sort_sla": {"$gt": "~" + KEY},
    }
    with pytest.raises(InvalidCursor):
        TicketQuery(view="sla_breaches").plan(None, cursor)


def test_text_query_needs_every_word_and_pushes_down_the_longest() -> None:
    assert query_words("Printer ON fire!  printer") == ("printer", "on", "fire")
    match = build_match("all", parse_filters(q="Printer ON fire!"), None)
    assert match == {"terms": {"$eq": "printer", "$all": ["on", "fire"]}}
    assert build_match("all", parse_filters(q="refund"), None) == {"terms": "refund"}
    assert build_match("all", parse_filters(q="ada@example.com."), None) == {
        "terms": "ada@example.com"
    }


def test_text_query_pushes_down_a_word_with_digits_first() -> None:
    match = build_match("all", parse_filters(q="ticket 364"), None)
    assert match == {"terms": {"$eq": "364", "$all": ["ticket"]}}


def test_text_query_of_only_one_letter_words_does_not_filter() -> None:
    assert build_match("all", parse_filters(q="a b ! ?"), None) == {}


def test_time_ranges_are_inclusive_prefixes_of_sort_keys() -> None:
    east = timezone(timedelta(hours=2))
    filters = parse_filters(
        created_from=datetime(2026, 11, 24, 14, 0, tzinfo=east),
        created_to=T0 + timedelta(hours=1),
        updated_from=datetime(2026, 11, 24, 12, 30),  # naive: UTC
    )
    assert build_match("all", filters, None) == {
        "sort_created": {
            "$gte": "2026-11-24T12:00:00.000000+00:00",
            "$lt": "2026-11-24T13:00:00.000001+00:00",
        },
        "sort_updated": {"$gte": "2026-11-24T12:30:00.000000+00:00"},
    }
    assert f"{T0.isoformat(timespec='microseconds')}|x" >= "2026-11-24T12:00:00.000000+00:00"


def test_times_at_the_ends_of_the_calendar_bound_everything_or_nothing() -> None:
    plus = timezone(timedelta(hours=5))
    filters = parse_filters(
        created_from=datetime(1, 1, 1, tzinfo=plus),  # before year 1 in UTC
        created_to=datetime.max,
        updated_from=datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
    )
    match = build_match("all", filters, None)
    assert match["sort_created"] == {"$gte": "", "$lt": "9999-99"}
    assert match["sort_updated"] == {"$gte": "9999-99"}
    assert TicketQuery(view="all", filters=filters).filter_hash()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "bogus"),
        ("priority", "P9"),
        ("category", "Bad Cat!"),
        ("queue", "x" * 65),
        ("assignee", "x" * 65),
        ("customer_email", "not-an-email"),
    ],
)
def test_bad_filter_values_are_refused_by_name(field: str, value: str) -> None:
    values: dict[str, Any] = {field: [value]}
    with pytest.raises(InvalidFilter) as refused:
        parse_filters(**values)
    assert refused.value.field == field


def test_control_characters_are_refused() -> None:
    for field in ("assignee", "customer_email", "queue"):
        values: dict[str, Any] = {field: ["a\x00@b"]}
        with pytest.raises(InvalidFilter, match="control"):
            parse_filters(**values)


def test_tickets_are_looked_up_by_id_or_reference() -> None:
    assert ticket_lookup("dvk-1004") == {"reference": "DVK-1004"}
    assert ticket_lookup("6f1c2a44") == {"_id": "6f1c2a44"}
    assert ticket_lookup("x\x00") is None
    assert ticket_lookup("") is None


def test_too_many_values_or_words_are_refused() -> None:
    with pytest.raises(InvalidFilter):
        parse_filters(assignee=[",".join(f"a{i}" for i in range(21))])
    with pytest.raises(InvalidFilter):
        parse_filters(q=" ".join(f"word{i}" for i in range(17)))


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_limit_is_bounded(limit: int) -> None:
    with pytest.raises(InvalidFilter):
        TicketQuery(view="all", limit=limit)


def test_a_filter_without_equality_is_split_into_equalities_on_its_smallest_in() -> None:
    whole: list[dict[str, Any]] = [
        {},
        {"status": "open"},
        {"status": {"$in": ["new", "open"]}, "assignee": "a1"},
        {"terms": {"$eq": "printer", "$all": ["fire"]}, "status": {"$in": ["new", "open"]}},
        {"sla_breached": True, "priority": {"$in": ["P1", "P2"]}},
        {"status": {"$in": [f"s{i}" for i in range(9)]}},
        {"sort_created": {"$lt": KEY}},
    ]
    for match in whole:
        assert split_for_pushdown(match) == (match,)
    match = {
        "status": {"$in": ["new", "on_hold", "open"]},
        "priority": {"$in": ["P1", "P2"]},
        "sort_created": {"$lt": KEY},
    }
    assert split_for_pushdown(match) == (
        {**match, "priority": "P1"},
        {**match, "priority": "P2"},
    )
    assert split_for_pushdown(build_match("my_open", TicketFilters(), None)) == ()
    assert TicketQuery(view="my_open").plan(None).steps[0].queries == ()


# --- sorts and page plans -----------------------------------------------------------------


def test_default_sort_is_newest_first_on_the_unique_created_key() -> None:
    plan = TicketQuery(view="all").plan(None)
    assert (plan.key, plan.direction, plan.limit) == ("sort_created", -1, 25)
    assert [step.filter for step in plan.steps] == [{}]


@pytest.mark.parametrize(
    ("sort", "key", "direction"),
    [
        ("-created", "sort_created", -1),
        ("created", "sort_created", 1),
        ("-updated", "sort_updated", -1),
        ("updated", "sort_updated", 1),
        ("sla_due", "sort_sla", 1),
    ],
)
def test_cursor_continues_strictly_after_the_last_key(sort: Any, key: str, direction: int) -> None:
    query = TicketQuery(view="all", sort=sort)
    plan = query.plan(None, query.encode_cursor(Position(KEY)))
    assert (plan.key, plan.direction) == (key, direction)
    operator = "$lt" if direction < 0 else "$gt"
    assert [step.filter for step in plan.steps] == [{key: {operator: KEY}}]


def test_cursor_range_merges_with_a_time_range_on_the_same_key() -> None:
    before = TicketQuery(
        view="all", filters=parse_filters(created_to=T0 + timedelta(days=1), created_from=T0)
    )
    plan = before.plan(None, before.encode_cursor(Position(KEY)))
    assert plan.steps[0].filter["sort_created"] == {
        "$gte": "2026-11-24T12:00:00.000000+00:00",
        "$lt": KEY,  # the earlier of the cursor and the range's end
    }
    after = TicketQuery(view="all", sort="created", filters=parse_filters(created_from=T0))
    plan = after.plan(None, after.encode_cursor(Position(KEY)))
    assert plan.steps[0].filter["sort_created"] == {
        "$gte": "2026-11-24T12:00:00.000000+00:00",
        "$gt": KEY,
    }


def test_priority_sort_walks_buckets_in_order() -> None:
    query = TicketQuery(view="escalations", sort="priority")
    plan = query.plan(None)
    assert (plan.key, plan.direction) == ("sort_created", 1)
    assert [(s.bucket, s.filter) for s in plan.steps] == [
        (p, {"status": "escalated", "priority": p}) for p in ("P1", "P2", "P3", "P4")
    ]
    resumed = query.plan(None, query.encode_cursor(Position(KEY, "P3")))
    assert [(s.bucket, s.filter) for s in resumed.steps] == [
        ("P3", {"status": "escalated", "priority": "P3", "sort_created": {"$gt": KEY}}),
        ("P4", {"status": "escalated", "priority": "P4"}),
    ]


def test_priority_sort_only_walks_the_chosen_priorities() -> None:
    query = TicketQuery(view="all", sort="priority", filters=parse_filters(priority=["P4,P2"]))
    assert [s.bucket for s in query.plan(None).steps] == ["P2", "P4"]
    with pytest.raises(InvalidCursor):
        query.plan(None, query.encode_cursor(Position(KEY, "P1")))


def test_a_page_ends_with_a_position_only_when_more_follow() -> None:
    plan = PagePlan("sort_created", -1, 2, ())
    docs = [{"sort_created": f"k{i}"} for i in range(3)]
    assert plan.finish([("P1", d) for d in docs[:2]]) == (docs[:2], None)
    assert plan.finish([("P1", docs[0]), ("P2", docs[1]), ("P2", docs[2])]) == (
        docs[:2],
        Position("k1", "P2"),
    )
    assert plan.finish([]) == ([], None)


# --- cursors ------------------------------------------------------------------------------


def _query(**filters: Any) -> TicketQuery:
    return TicketQuery(view="all", filters=parse_filters(**filters), sort="priority", limit=10)


def test_cursor_round_trip_is_opaque_url_safe_text() -> None:
    query = _query(status=["open"], q="printer fire")
    cursor = query.encode_cursor(Position(KEY, "P2"))
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert query.decode_cursor(cursor) == Position(KEY, "P2")
    # The limit may change between pages; the same filters in another order are the same.
    again = TicketQuery(
        view="all",
        filters=parse_filters(q="printer fire", status=["open"]),
        sort="priority",
        limit=50,
    )
    assert again.decode_cursor(cursor) == Position(KEY, "P2")


def _edited(cursor: str, **changes: Any) -> str:
    body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw = json.dumps({**body, **changes}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_tampered_cursors_are_refused() -> None:
    query = _query(status=["open"])
    cursor = query.encode_cursor(Position(KEY, "P2"))
    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    for bad in (
        flipped,
        _edited(cursor, k="2099-01-01T00:00:00.000000+00:00|x"),  # checksum no longer fits
        _edited(cursor, b="P9"),
        cursor + "!",
        "not base64 at all",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "A" * 5000,
    ):
        with pytest.raises(InvalidCursor):
            query.plan(None, bad)


def test_a_cursor_of_other_filters_view_or_sort_is_refused() -> None:
    cursor = _query(status=["open"]).encode_cursor(Position(KEY, "P1"))
    with pytest.raises(InvalidCursor, match="other filters"):
        _query(status=["new"]).plan(None, cursor)
    with pytest.raises(InvalidCursor, match="other filters"):
        _query(status=["open"], q="printer").plan(None, cursor)
    other_view = TicketQuery(
        view="escalations", filters=parse_filters(status=["open"]), sort="priority"
    )
    with pytest.raises(InvalidCursor, match="other filters"):
        other_view.plan(None, cursor)
    other_sort = TicketQuery(view="all", filters=parse_filters(status=["open"]))
    with pytest.raises(InvalidCursor, match="sort"):
        other_sort.plan(None, cursor)


# --- views and roles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "default", "visible"),
    [
        ("agent", "my_open", ("my_open",)),
        ("manager", "all", ("all", "escalations", "sla_breaches")),
        ("admin", "all", ("all", "sla_breaches")),
        ("engineer", "escalations", ("escalations",)),
    ],
)
def test_each_role_gets_its_first_view_and_counts_of_its_views(
    role: str, default: str, visible: tuple[str, ...]
) -> None:
    assert resolve_view(role, None) == default
    assert visible_views(role) == visible
    for view in VIEWS:
        if view in visible:
            assert resolve_view(role, view) == view
        else:
            with pytest.raises(ViewForbidden, match=role):
                resolve_view(role, view)


def test_no_role_may_open_no_view() -> None:
    with pytest.raises(ViewForbidden):
        resolve_view(None, None)
    assert visible_views(None) == ()


# --- the route's refusals (no servers: they answer before the database is asked) ----------


@pytest.fixture
def http() -> Iterator[tuple[TestClient, dict[str, Principal]]]:
    app = FastAPI()
    app.include_router(http_ticket_queries.router)
    app.state.ticket_store = None  # never reached by these requests
    app.state.listing = None
    caller = {"principal": Principal(kind="anonymous")}
    app.dependency_overrides[current_principal] = lambda: caller["principal"]
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client, caller


def test_route_answers_401_to_non_staff(http: tuple[TestClient, dict[str, Principal]]) -> None:
    client, caller = http
    for who in (Principal(kind="anonymous"), Principal(kind="customer", id="c1")):
        caller["principal"] = who
        for path in (
            "/api/v1/tickets",
            "/api/v1/tickets?status=bogus&limit=0",  # who asks is checked first
            "/api/v1/tickets/DVK-1004/history",
        ):
            answer = client.get(path)
            assert answer.status_code == 401, (who, path)
            assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("role", ROLES)
def test_route_answers_403_with_the_reason_for_a_view_not_for_the_role(
    http: tuple[TestClient, dict[str, Principal]], role: Any
) -> None:
    client, caller = http
    caller["principal"] = Principal(kind="agent", id="a1", role=role)
    for view in VIEWS:
        if not may_see_view(role, view):
            answer = client.get("/api/v1/tickets", params={"view": view})
            assert answer.status_code == 403
            assert view in answer.json()["detail"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"status": "bogus"}, 422),
        ({"priority": "P7"}, 422),
        ({"limit": "0"}, 422),
        ({"limit": "101"}, 422),
        ({"sort": "random"}, 422),
        ({"view": "nope"}, 422),
        ({"created_from": "yesterday"}, 422),
        ({"assignee": "a\x00"}, 422),
        ({"sla_state": "late"}, 422),
        ({"cursor": "garbage!"}, 400),
        ({"cursor": "eyJ4IjoxfQ"}, 400),
    ],
)
def test_route_answers_bad_input_with_4xx(
    http: tuple[TestClient, dict[str, Principal]], params: dict[str, str], code: int
) -> None:
    client, caller = http
    caller["principal"] = Principal(kind="agent", id="m1", role="manager")
    answer = client.get("/api/v1/tickets", params=params)
    assert answer.status_code == code, answer.text
    assert answer.json()["detail"]


def test_route_lists_the_sla_and_routing_fields_from_the_listing_index(
    http: tuple[TestClient, dict[str, Principal]],
) -> None:
    client, caller = http
    index = ListingIndex()
    try:
        ticket = uuid4()
        due = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
        clock = {"target": "resolution", "policy": "P1", "target_minutes": 60}
        for envelope in (
            submitted(ticket, "DVK-3000"),
            _system_event(ticket, 2, "ticket.routed", {"queue": "billing", "rule": "billing"}),
            _system_event(
                ticket, 3, "ticket.sla_clocks_set", {"clocks": [clock | {"due_at": str(due)}]}
            ),
            _system_event(
                ticket, 4, "ticket.sla_breached", {"target": "resolution", "due_at": str(due)}
            ),
        ):
            assert index.apply(envelope)
        client.app.state.listing = SimpleNamespace(ready=True, index=index)  # type: ignore[attr-defined]
        caller["principal"] = Principal(kind="agent", id="m1", role="manager")
        answer = client.get("/api/v1/tickets", params={"view": "sla_breaches", "sort": "sla_due"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["counts"]["sla_breaches"] == 1
        (item,) = body["items"]
        assert item["reference"] == "DVK-3000"
        assert item["routing"]["rule"] == "billing"
        assert item["sla"]["resolution"]["state"] == "breached"
        assert item["sla_breached"] is True
        assert item["sla_state"] == "breached"
        assert datetime.fromisoformat(item["sla_due"]) == due
        assert item["customer"]["email"] == "ada@example.com"  # fields beyond the schema stay
        assert "sort_sla" not in item
    finally:
        index.close()


def _system_event(ticket: UUID, version: int, type_: str, payload: dict[str, Any]) -> EventEnvelope:
    command = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        ticket_id=ticket,
        version=version,
        occurred_at=T0,
        actor=Actor(kind="system", id="test"),
        command_id=command,
        correlation_id=command,
        causation_id=command,
        payload=payload,
    )
