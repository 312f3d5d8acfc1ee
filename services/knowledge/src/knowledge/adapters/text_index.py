"""A tantivy index in RAM, with documents replaced by key and commits deferred to reads.

Writes (`put`, `remove`) go to the one `IndexWriter` at once but are committed only when a
search needs them (`searcher`), so folding thousands of events at start-up costs one commit,
not one per event. Everything runs on the event loop's thread: tantivy calls here take
microseconds to a few milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import tantivy

_WORDS = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 32
# Words too common to say what a text is about (the analyser keeps them in the index).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def words_query(text: str) -> str:
    """Free text (a customer typing) as a query of its words, any of which may match.

    The query language's syntax (quotes, `field:`, `+`, `-`, parentheses) is dropped, so
    nothing a customer types is an error or a field lookup.
    """
    words = [word for word in _WORDS.findall(text.lower()) if word not in STOPWORDS]
    return " ".join(words[:MAX_QUERY_WORDS])


class TextIndex:
    def __init__(self, schema: tantivy.Schema, key_field: str) -> None:
        self.schema = schema
        self._key = key_field
        self.index = tantivy.Index(schema)
        self._writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        self._dirty = False

    def put(self, key: str, fields: Mapping[str, Any]) -> None:
        """Add the document for `key`, replacing any earlier one."""
        self._writer.delete_documents_by_term(self._key, key)
        self._writer.add_document(tantivy.Document(**{self._key: key, **fields}))
        self._dirty = True

    def remove(self, key: str) -> None:
        self._writer.delete_documents_by_term(self._key, key)
        self._dirty = True

    def searcher(self) -> tantivy.Searcher:
        if self._dirty:
            self._dirty = False
            self._writer.commit()
            self.index.reload()
        return self.index.searcher()

    def parse(
        self,
        text: str,
        fields: list[str],
        boosts: dict[str, float],
        *,
        fuzzy: bool = False,
    ) -> tantivy.Query:
        """The user's query in tantivy's language (phrases, `+must`, `-not`), leniently."""
        fuzzy_fields = {name: (False, 1, True) for name in fields} if fuzzy else None
        query, _errors = self.index.parse_query_lenient(
            text, fields, field_boosts=boosts, fuzzy_fields=fuzzy_fields
        )
        return query
