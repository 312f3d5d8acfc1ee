"""Similar tickets: every ticket's subject and public messages in a second tantivy index.

Folded from the ticket event log, read from the beginning at every start (no consumer
group: each replica needs every ticket) into an index in its own folder on disk. Internal
notes are never indexed, so they can never make a ticket look similar (nor leak words
through a match).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
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
    # Stored, so no copy of any ticket's words need stay in Python's memory: a new message
    # is added to the stored text, and answers read reference and subject from here.
    builder.add_text_field("reference", stored=True, tokenizer_name="raw", index_option="basic")
    # Term frequencies without positions: a similar-tickets query is words, never a phrase.
    builder.add_text_field("subject", stored=True, tokenizer_name="en_stem", index_option="freq")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem", index_option="freq")
    builder.add_integer_field("seq", stored=True, indexed=True, fast=True)
    return builder.build()


class TicketIndex:
    """In memory per ticket only its submission order and status (some 100 bytes); its
    words live in the index's folder on disk."""

    def __init__(self, directory: Path | None = None) -> None:
        self._index = TextIndex(_schema(), "id", directory, lookups=True)
        # Ticket id (its 128-bit number: a third of a UUID object's size) → submission order
        # within this replica's view of the log (earlier tickets rank).
        self._seq: dict[int, int] = {}
        # Status by submission order (interned: a handful of distinct strings).
        self._status: list[str] = []

    def __len__(self) -> int:
        return len(self._status)

    def fold(self, ticket_id: UUID, event: Event) -> None:
        """Take one ticket event into account (events of other kinds change nothing)."""
        seq = self._seq.get(ticket_id.int)
        match event:
            case TicketSubmitted():
                if seq is not None:
                    return
                seq = self._seq[ticket_id.int] = len(self._status)
                self._status.append(sys.intern(event.status))
                fields = {
                    "reference": event.reference,
                    "subject": event.subject,
                    "body": event.message[:MAX_TEXT_CHARS],
                    "seq": seq,
                }
                self._index.put(str(ticket_id), fields, new=True)
            case MessagePosted() if seq is not None and not event.internal:
                self._add_text(ticket_id, [event.message])
            case ThreadMerged() if seq is not None:
                self._add_text(ticket_id, [m.message for m in event.messages if not m.internal])
            # The status is read from memory; the index need not change.
            case StatusChanged() if seq is not None:
                self._status[seq] = sys.intern(event.to_status)
            case TicketEscalated() if seq is not None:
                self._status[seq] = "escalated"
            case TicketMerged() if seq is not None:
                self._status[seq] = "closed"

    def _add_text(self, ticket_id: UUID, messages: list[str]) -> None:
        """The messages after the ticket's text, up to MAX_TEXT_CHARS in all."""
        if not messages:
            return
        key = str(ticket_id)
        stored = self._index.stored(key)
        if stored is None:
            return
        body = str(stored.get("body", ""))
        if len(body) >= MAX_TEXT_CHARS:
            return  # full: nothing more would be kept
        stored["body"] = " ".join([body, *messages])[:MAX_TEXT_CHARS]
        del stored["id"]
        self._index.put(key, stored)

    def similar(self, ticket_id: UUID, limit: int = 5) -> list[SimilarTicket] | None:
        """Up to `limit` tickets submitted before `ticket_id`, most similar first; None when
        the ticket is unknown (yet)."""
        seq = self._seq.get(ticket_id.int)
        if seq is None:
            return None
        searcher = self._index.searcher()
        ticket = self._index.stored(str(ticket_id)) or {}
        body = str(ticket.get("body", ""))
        text = words_query(f"{ticket.get('subject', '')} {body[:QUERY_CHARS]}")
        if not text:
            return []
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
                        schema, "seq", tantivy.FieldType.Integer, 0, seq, True, False
                    ),
                ),
            ]
        )
        found = []
        for score, address in searcher.search(query, limit, count=False).hits:
            doc = searcher.doc(address)
            found.append(
                SimilarTicket(
                    id=str(doc.get_first("id")),
                    reference=str(doc.get_first("reference")),
                    subject=str(doc.get_first("subject")),
                    status=self._status[int(doc.get_first("seq") or 0)],
                    score=round(float(score), 4),
                )
            )
        return found

    def close(self) -> None:
        self._index.close()
