"""Similar tickets: every ticket's subject and public messages in a second tantivy index.

Folded from the ticket event log, read from the beginning at every start (no consumer
group: each replica needs every ticket). Internal notes are never indexed, so they can
never make a ticket look similar (nor leak words through a match).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import tantivy

from contracts.base import Event
from contracts.events import (
    MessagePosted,
    StatusChanged,
    ThreadMerged,
    TicketEscalated,
    TicketMerged,
    TicketSubmitted,
)
from knowledge.adapters.text_index import TextIndex, words_query

# The text a query is made of: enough words to characterise a ticket, quick to search.
MAX_TEXT_CHARS = 20_000
QUERY_CHARS = 2_000


@dataclass
class TicketText:
    id: UUID
    reference: str
    subject: str
    status: str
    # Submission order within this replica's view of the log (earlier tickets rank).
    seq: int
    messages: list[str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(self.messages)[:MAX_TEXT_CHARS]


@dataclass(frozen=True)
class SimilarTicket:
    id: str
    reference: str
    subject: str
    status: str
    score: float


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("subject", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    builder.add_integer_field("seq", stored=True, indexed=True, fast=True)
    return builder.build()


class TicketIndex:
    def __init__(self) -> None:
        self._index = TextIndex(_schema(), "id")
        self._tickets: dict[UUID, TicketText] = {}

    def __len__(self) -> int:
        return len(self._tickets)

    def fold(self, ticket_id: UUID, event: Event) -> None:
        """Take one ticket event into account (events of other kinds change nothing)."""
        ticket = self._tickets.get(ticket_id)
        match event:
            case TicketSubmitted():
                if ticket is not None:
                    return
                ticket = TicketText(
                    ticket_id, event.reference, event.subject, event.status, len(self._tickets)
                )
                ticket.messages.append(event.message)
                self._tickets[ticket_id] = ticket
            case MessagePosted() if ticket is not None and not event.internal:
                ticket.messages.append(event.message)
            case ThreadMerged() if ticket is not None:
                ticket.messages.extend(m.message for m in event.messages if not m.internal)
            case StatusChanged() if ticket is not None:
                ticket.status = event.to_status
                return  # the status is read from memory; the index need not change
            case TicketEscalated() if ticket is not None:
                ticket.status = "escalated"
                return
            case TicketMerged() if ticket is not None:
                ticket.status = "closed"
                return
            case _:
                return
        self._index.put(
            str(ticket_id),
            {"subject": ticket.subject, "body": ticket.text(), "seq": ticket.seq},
        )

    def get(self, ticket_id: UUID) -> TicketText | None:
        return self._tickets.get(ticket_id)

    def similar(self, ticket_id: UUID, limit: int = 5) -> list[SimilarTicket] | None:
        """Up to `limit` tickets submitted before `ticket_id`, most similar first; None when
        the ticket is unknown (yet)."""
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            return None
        text = words_query(f"{ticket.subject} {ticket.text()[:QUERY_CHARS]}")
        if not text:
            return []
        searcher = self._index.searcher()
        schema = self._index.schema
        query = tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Must,
                    self._index.parse(text, ["subject", "body"], {"subject": 2.0, "body": 1.0}),
                ),
                (
                    tantivy.Occur.Must,
                    tantivy.Query.range_query(
                        schema, "seq", tantivy.FieldType.Integer, 0, ticket.seq, True, False
                    ),
                ),
            ]
        )
        found = []
        for score, address in searcher.search(query, limit, count=False).hits:
            other = self._tickets.get(UUID(str(searcher.doc(address).get_first("id"))))
            if other is None:
                continue
            found.append(
                SimilarTicket(
                    id=str(other.id),
                    reference=other.reference,
                    subject=other.subject,
                    status=other.status,
                    score=round(float(score), 4),
                )
            )
        return found
