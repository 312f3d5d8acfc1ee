"""A tantivy index in a folder on disk, with documents replaced by key and commits batched.

On disk rather than in RAM: the segment files are memory-mapped, so the kernel keeps in
memory only the pages searches touch and may drop them again, where a RAM directory holds
every segment (and every segment a merge has replaced, until it is collected) on the heap.
The folder is rebuilt from the log at every start (anything in it is deleted first), so
removing it is always safe; without one, a temporary folder is used and removed on close.

Writes (`put`, `remove`) go to the one `IndexWriter` at once and are committed when a search
needs them (`searcher`) or after a batch (`BATCH_WRITES`, `BATCH_CHARS`), so folding
thousands of events at start-up costs a few commits, not one per event, while what waits for
a commit stays bounded.
The writer's arena is tantivy's smallest (15 MB): a bigger one only makes fewer, larger
segments before a commit, and this index commits far more often than it fills one.
Everything runs on the event loop's thread: tantivy calls here take microseconds to a few
milliseconds.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from pathlib import Path
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


INDEX_META = "meta.json"  # every tantivy index folder has one
WRITER_HEAP_BYTES = 15_000_000  # tantivy's minimum for one indexing thread
# Writes between commits at most, and characters of text: the writer's queue of deletes
# and the fields kept for `stored` are what this bounds.
BATCH_WRITES = 10_000
BATCH_CHARS = 8_000_000


def _empty(folder: Path) -> None:
    """Make `folder` an empty folder, deleting an earlier index in it, never anything else."""
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / INDEX_META).is_file():
            raise ValueError(f"{folder} holds files that are not a search index: not using it")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


def _finish(writer: tantivy.IndexWriter, temporary: Path | None) -> None:
    """Stop the writer's threads (an indexing thread still writing would put files back into
    a folder being removed), then remove the folder if it is a temporary one."""
    writer.wait_merging_threads()
    if temporary is not None:
        shutil.rmtree(temporary, ignore_errors=True)


class TextIndex:
    """`directory`: the index's own folder (created; emptied first if it holds an earlier
    index; refused if it holds anything else). `lookups`: `stored` may be asked, so the
    fields written since the last commit are kept until it."""

    def __init__(
        self,
        schema: tantivy.Schema,
        key_field: str,
        directory: Path | None = None,
        *,
        lookups: bool = False,
    ) -> None:
        self.schema = schema
        self._key = key_field
        folder = directory or Path(tempfile.mkdtemp(prefix="dvika-kb-"))
        _empty(folder)
        self.folder = folder
        self.index = tantivy.Index(schema, path=str(folder), reuse=False)
        self._writer = self.index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        # Run by `close`, or when this index is collected, or at exit, whichever comes first.
        self._finish = weakref.finalize(self, _finish, self._writer, None if directory else folder)
        self._lookups = lookups
        # What was written since the last commit (key → fields, None: removed), for `stored`.
        self._pending: dict[str, Mapping[str, Any] | None] = {}
        self._writes = 0
        self._chars = 0

    def put(self, key: str, fields: Mapping[str, Any], *, new: bool = False) -> None:
        """Add the document for `key`, replacing any earlier one. `new`: the caller knows
        there is none, which spares a delete (tantivy keeps every delete in its queue until
        the next commit: some 1 KB each)."""
        if not new:
            self._writer.delete_documents_by_term(self._key, key)
        self._writer.add_document(tantivy.Document(**{self._key: key, **fields}))
        self._written(key, fields)

    def remove(self, key: str) -> None:
        self._writer.delete_documents_by_term(self._key, key)
        self._written(key, None)

    def _written(self, key: str, fields: Mapping[str, Any] | None) -> None:
        if self._lookups:
            self._pending[key] = fields
        self._writes += 1
        self._chars += sum(
            len(value) for value in (fields or {}).values() if isinstance(value, str)
        )
        if self._writes >= BATCH_WRITES or self._chars >= BATCH_CHARS:
            self.commit()

    def commit(self) -> None:
        if self._writes:
            self._writes = self._chars = 0
            self._writer.commit()
            self.index.reload()
            self._pending.clear()

    def searcher(self) -> tantivy.Searcher:
        self.commit()
        return self.index.searcher()

    def stored(self, key: str) -> dict[str, Any] | None:
        """The stored fields of `key`'s document (first value of each), None if there is
        none. Commits nothing: a document written since the last commit is answered from
        what was written."""
        if not self._lookups:
            raise RuntimeError("this index was made without lookups")
        if key in self._pending:
            pending = self._pending[key]
            return None if pending is None else {self._key: key, **pending}
        searcher = self.index.searcher()
        query = tantivy.Query.term_query(self.schema, self._key, key)
        hits = searcher.search(query, 1, count=False).hits
        if not hits:
            return None
        values = searcher.doc(hits[0][1]).to_dict()
        return {name: found[0] for name, found in values.items() if found}

    def close(self) -> None:
        """Commit, let merges finish, and remove the temporary folder if this index made one
        (a given folder stays). The index takes no writes after this."""
        self.commit()
        self._finish()

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
