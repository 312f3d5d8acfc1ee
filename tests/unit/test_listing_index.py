"""The listing index's SQL translation and text matching (SQLite in a temporary folder)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
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
