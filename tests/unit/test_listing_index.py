"""The listing index's SQL translation and text matching (SQLite in a temporary folder)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.envelopes import EventEnvelope
from contracts.values import Actor
from gateway.adapters import listing_index
from gateway.adapters.listing_index import ListingIndex, UnsupportedFilter, where_clause
from gateway.domain.ticket_query import TicketQuery, parse_filters


@pytest.fixture
def index() -> Iterator[ListingIndex]:
    made = ListingIndex()
    yield made
    made.close()


def submitted(subject: str, message: str, email: str = "ada@example.com") -> EventEnvelope:
    command = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type="ticket.submitted",
        ticket_id=uuid4(),
        version=1,
        occurred_at=datetime(2026, 11, 25, tzinfo=UTC),
        actor=Actor(kind="customer"),
        command_id=command,
        correlation_id=command,
        causation_id=command,
        payload={
            "reference": f"DVK-{1000 + len(subject)}",
            "customer": {"name": "Ada", "email": email},
            "category": "general",
            "priority": "P3",
            "subject": subject,
            "message_id": str(uuid4()),
            "message": message,
            "channel": "web",
        },
    )


def ids(index: ListingIndex, q: str) -> set[str]:
    query = TicketQuery(view="all", filters=parse_filters(q=q))
    docs, _ = index.fetch_page(query.plan(None))
    return {d["id"] for d in docs}


def test_text_query_matches_whole_terms_as_the_read_model_cuts_them(index: ListingIndex) -> None:
    mail = submitted("Login fails", "From lin@example.com, order ORD-77.", "lin@example.com")
    other = submitted("Login works", "Thanks, example.com team")
    for envelope in (mail, other):
        assert index.apply(envelope)
    assert not index.apply(mail)  # applied once only
    assert ids(index, "lin@example.com") == {str(mail.ticket_id)}
    assert ids(index, "LOGIN") == {str(mail.ticket_id), str(other.ticket_id)}
    assert ids(index, "login ord-77") == {str(mail.ticket_id)}
    assert ids(index, "example") == set()  # not a term of its own: part of an address
    assert ids(index, 'quote"d') == set()  # quotes in a word are escaped, not syntax


def test_filters_translate_to_parameters_never_to_sql_text() -> None:
    where, params = where_clause(
        {"status": {"$in": ["new", "open"]}, "assignee": "x' OR 1=1 --", "sla_breached": True}
    )
    assert "x'" not in where
    assert params == ("new", "open", "x' OR 1=1 --", 1)
    assert where_clause({"status": {"$in": []}})[0] == "0"


@pytest.mark.parametrize(
    "match",
    [{"subject": "x"}, {"status": {"$ne": "new"}}, {"terms": {"$regex": "a"}}, {"$or": []}],
)
def test_shapes_it_does_not_know_are_refused(match: dict[str, object]) -> None:
    with pytest.raises(UnsupportedFilter):
        where_clause(match)


def test_a_common_word_walks_the_sort_index_and_pages_alike(
    index: ListingIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = [submitted(f"Invoice question {n}", "invoice attached") for n in range(5)]
    for n, envelope in enumerate(tickets):
        moved = envelope.occurred_at.replace(minute=n)
        index.apply(envelope.model_copy(update={"occurred_at": moved}))
    query = TicketQuery(view="all", filters=parse_filters(q="invoice"), limit=2)

    def walk() -> list[str]:
        seen, cursor = [], None
        while True:
            docs, position = index.fetch_page(query.plan(None, cursor))
            seen += [d["id"] for d in docs]
            if position is None:
                return seen
            cursor = query.encode_cursor(position)

    planned = walk()
    monkeypatch.setattr(listing_index, "WALK_ABOVE", 1)
    assert walk() == planned == [str(t.ticket_id) for t in reversed(tickets)]


# --- SLA: the breaches view, the `sla_due` sort and the `sla_state` filter ------------------


def sla_event(
    ticket: EventEnvelope, version: int, type_: str, payload: Mapping[str, object]
) -> EventEnvelope:
    command = uuid4()
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        ticket_id=ticket.ticket_id,
        version=version,
        occurred_at=ticket.occurred_at,
        actor=Actor(kind="system", id="sla"),
        command_id=command,
        correlation_id=command,
        causation_id=command,
        payload=dict(payload),
    )


def running(ticket: EventEnvelope, version: int, due_in_hours: int) -> EventEnvelope:
    due = ticket.occurred_at + timedelta(hours=due_in_hours)
    clock = {
        "target": "resolution",
        "policy": "P3",
        "target_minutes": 60,
        "due_at": due.isoformat(),
    }
    return sla_event(ticket, version, "ticket.sla_clocks_set", {"clocks": [clock]})


def breach(ticket: EventEnvelope, version: int, due_in_hours: int) -> EventEnvelope:
    due = ticket.occurred_at + timedelta(hours=due_in_hours)
    return sla_event(
        ticket, version, "ticket.sla_breached", {"target": "resolution", "due_at": due.isoformat()}
    )


def warning(ticket: EventEnvelope, version: int, due_in_hours: int) -> EventEnvelope:
    due = ticket.occurred_at + timedelta(hours=due_in_hours)
    payload = {"target": "resolution", "due_at": due.isoformat()}
    return sla_event(ticket, version, "ticket.sla_warning_issued", payload)


def walk(index: ListingIndex, query: TicketQuery) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        docs, position = index.fetch_page(query.plan(None, cursor))
        seen += [d["id"] for d in docs]
        if position is None:
            return seen
        cursor = query.encode_cursor(position)


@pytest.fixture
def sla_tickets(index: ListingIndex) -> dict[str, str]:
    """Five tickets: due in 5 h, due in 1 h and breached, due in 3 h and at risk, and two
    with no SLA clock (the older first)."""
    made: dict[str, str] = {}
    for n, name in enumerate(("later", "breached", "at_risk", "none_old", "none_new")):
        ticket = submitted(f"SLA ticket {name}", "clock test")
        ticket = ticket.model_copy(
            update={"occurred_at": ticket.occurred_at + timedelta(minutes=n)}
        )
        made[name] = str(ticket.ticket_id)
        events = {
            "later": [running(ticket, 2, 5)],
            "breached": [running(ticket, 2, 1), breach(ticket, 3, 1)],
            "at_risk": [running(ticket, 2, 3), warning(ticket, 3, 3)],
        }.get(name, [])
        for envelope in (ticket, *events):
            assert index.apply(envelope)
            assert not index.apply(envelope)  # a re-applied event changes nothing
    return made


def test_sla_due_sorts_by_the_earliest_due_time_with_no_clock_last(
    index: ListingIndex, sla_tickets: dict[str, str]
) -> None:
    order = ["breached", "at_risk", "later", "none_old", "none_new"]
    expected = [sla_tickets[n] for n in order]
    for limit in (1, 2, 25):
        assert walk(index, TicketQuery(view="all", sort="sla_due", limit=limit)) == expected


def test_the_sla_breaches_view_holds_the_breached_only(
    index: ListingIndex, sla_tickets: dict[str, str]
) -> None:
    breaches = TicketQuery(view="sla_breaches")
    assert walk(index, breaches) == [sla_tickets["breached"]]
    counts = index.count_views({"sla_breaches": breaches.match(None), "all": {}})
    assert counts == {"sla_breaches": 1, "all": 5}
    listed, _ = index.fetch_page(breaches.plan(None))
    assert listed[0]["sla"]["resolution"]["state"] == "breached"
    assert listed[0]["sla_breached"] is True


def test_the_sla_state_filter(index: ListingIndex, sla_tickets: dict[str, str]) -> None:
    def having(*states: str) -> set[str]:
        query = TicketQuery(view="all", filters=parse_filters(sla_state=list(states)))
        return set(walk(index, query))

    assert having("at_risk") == {sla_tickets["at_risk"]}
    assert having("breached", "at_risk") == {sla_tickets["breached"], sla_tickets["at_risk"]}
    assert having("ok") == {sla_tickets["later"]}
    assert having("met") == set()
