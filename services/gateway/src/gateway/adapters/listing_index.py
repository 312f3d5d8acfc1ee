"""The staff list's query index: every ticket's listed fields in SQLite, fed from the log.

Why it exists: FerretDB 1.24 sorts and limits in its own memory, after decoding every
document a filter lets through (see `gateway.domain.ticket_query`), so at 100,000 tickets
`view=all` took minutes and a common word of `q` most of one. MongoDB would serve those
queries from indexes; FerretDB cannot. So each gateway replica keeps this index: one row per
ticket (the read model's document without thread and history, plus its `terms` in an FTS5
table), B-tree indexes for the sorts and filters, and the page and count queries of
`TicketQuery` translated to SQL. It is a projection like the MongoDB one: folded by the same
`apply_event`, idempotent by version, rebuilt from the event log on every start (the feed
reads the topic from the beginning), kept in a file of a temporary directory so it costs
disk, not memory. The list route uses it once it has caught up with the log, and the MongoDB
queries before that.

The translation covers exactly the filter shapes `build_match` and `PagePlan` produce:
equality, `$in`, `$eq` + `$all` on `terms`, and `$gte`/`$gt`/`$lt` on a sort key. Anything
else raises `UnsupportedFilter`, so a new filter cannot be silently ignored.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from cachetools import TTLCache
from pydantic_core import to_jsonable_python

from contracts.envelopes import EventEnvelope
from gateway.domain.ticket_query import PagePlan, Position
from gateway.domain.ticket_view import TicketView, apply_event
from gateway.identity.roles import View

# Fields a filter may name, and the column holding each.
_COLUMNS: Final = {
    "status": "status",
    "priority": "priority",
    "category": "category",
    "queue": "queue",
    "assignee": "assignee",
    "customer_email": "customer_email",
    "sla_breached": "sla_breached",
    "sla_state": "sla_state",
    "sort_created": "sort_created",
    "sort_updated": "sort_updated",
    "sort_sla": "sort_sla",
}
_RANGES: Final = {"$gte": ">=", "$gt": ">", "$lt": "<"}
# Kept out of the stored summary: the thread and history live in MongoDB only.
_NOT_LISTED: Final = ("thread", "history", "terms")

# Narrow rows to filter, sort and count on; the bodies apart, read only for a page's rows
# (counting 25,000 wide rows took 40 ms, narrow ones a few).
_SCHEMA: Final = """
CREATE TABLE tickets (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    sort_created TEXT NOT NULL,
    sort_updated TEXT NOT NULL,
    sort_sla TEXT NOT NULL,
    status TEXT, priority TEXT, category TEXT, queue TEXT, assignee TEXT,
    customer_email TEXT,
    sla_breached INTEGER NOT NULL DEFAULT 0,
    sla_state TEXT
);
CREATE TABLE bodies (rid INTEGER PRIMARY KEY, summary TEXT NOT NULL, terms TEXT NOT NULL);
CREATE INDEX by_created ON tickets (sort_created);
CREATE INDEX by_updated ON tickets (sort_updated);
CREATE INDEX by_status ON tickets (status, sort_created);
CREATE INDEX by_assignee ON tickets (assignee, sort_created);
CREATE INDEX by_priority ON tickets (priority, sort_created);
CREATE INDEX by_category ON tickets (category, sort_created);
CREATE INDEX by_queue ON tickets (queue, sort_created);
CREATE INDEX by_breach ON tickets (sla_breached, sort_created);
CREATE INDEX by_sla_due ON tickets (sort_sla);
CREATE INDEX by_breach_due ON tickets (sla_breached, sort_sla);
CREATE INDEX by_sla_state ON tickets (sla_state, sort_created);
CREATE INDEX by_email ON tickets (customer_email);
-- One token per stored term: the read model already cut them (`ticket_view._terms`).
CREATE VIRTUAL TABLE words USING fts5(terms, tokenize = "unicode61 tokenchars '@.+-_'");
"""


# Counts per view are asked with every page, by every console, and over a large view cost
# tens of ms each (SQLite visits every matching row); a count a second or two old is fine
# for a tab's badge, and live updates arrive over the WebSocket anyway.
COUNT_TTL_S: Final = 2.0
COUNT_CACHE_SIZE: Final = 1024


# Above this many tickets matching the words, a page walks the sort's index (`_walk_hint`).
WALK_ABOVE: Final = 2000
_SORT_INDEXES: Final = {
    "sort_created": "by_created",
    "sort_updated": "by_updated",
    "sort_sla": "by_sla_due",
}
# The file's name carries its schema's version. The index is rebuilt from the log on every
# start, so a new schema needs no migration: a new name, and every older file is removed.
INDEX_FILE: Final = "listing-v2.sqlite3"


class UnsupportedFilter(ValueError):
    """A filter shape this index does not translate; the caller asks MongoDB instead."""


class ListingIndex:
    """One replica's query index.

    `apply` writes on the caller's thread (the event loop: a few statements per event).
    `fetch_page` and `count_views` may run on worker threads (`asyncio.to_thread`), each with
    a read-only connection of its own: WAL lets them read while events are written, and
    SQLite releases the GIL while it searches, so queries use the other cores and never
    stall the event loop.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._tmp = None if directory else tempfile.TemporaryDirectory(prefix="dvika-listing-")
        folder = directory or Path(self._tmp.name)  # type: ignore[union-attr]
        self._path = folder / INDEX_FILE
        for stale in folder.glob("listing*.sqlite3*"):
            stale.unlink()  # rebuilt from the log on every start
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode = WAL", "synchronous = OFF", "cache_size = -32000"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.executescript(_SCHEMA)
        self._readers = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._counts: TTLCache[tuple[str, tuple[Any, ...]], int] = TTLCache(
            COUNT_CACHE_SIZE, COUNT_TTL_S
        )
        self._fts_counts: TTLCache[str, int] = TTLCache(COUNT_CACHE_SIZE, COUNT_TTL_S)
        self.caught_up = False

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._readers, "db", None)
        if reader is None:
            reader = sqlite3.connect(
                f"file:{self._path}?mode=ro", uri=True, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
            reader.execute("PRAGMA cache_size = -16000")
            self._readers.db = reader
            with self._lock:
                self._opened.append(reader)
        return reader

    def close(self) -> None:
        with self._lock:
            for reader in self._opened:
                reader.close()
        self._db.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    # --- folding events ---------------------------------------------------------------------

    def apply(self, envelope: EventEnvelope) -> bool:
        """Fold one event into its ticket's row; False when it was already applied."""
        key = str(envelope.ticket_id)
        row = self._db.execute(
            "SELECT t.rid, b.summary, b.terms FROM tickets t JOIN bodies b ON b.rid = t.rid"
            " WHERE t.id = ?",
            (key,),
        ).fetchone()
        view = None if row is None else _view(row[1], row[2])
        updated = apply_event(view, envelope)
        if updated is None:
            return False
        columns = (
            updated["version"],
            updated["sort_created"],
            updated["sort_updated"],
            updated["sort_sla"],
            updated.get("status"),
            updated.get("priority"),
            updated.get("category"),
            updated.get("queue"),
            updated.get("assignee"),
            updated.get("customer_email"),
            int(bool(updated.get("sla_breached"))),
            updated.get("sla_state"),
        )
        summary = {k: v for k, v in updated.items() if k not in _NOT_LISTED}
        body = (
            json.dumps(to_jsonable_python(summary), separators=(",", ":")),
            json.dumps(updated["terms"], separators=(",", ":")),
        )
        if row is None:
            rid = self._db.execute(
                "INSERT INTO tickets (version, sort_created, sort_updated, sort_sla, status,"
                " priority, category, queue, assignee, customer_email, sla_breached, sla_state,"
                " id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*columns, key),
            ).lastrowid
            self._db.execute(
                "INSERT INTO bodies (summary, terms, rid) VALUES (?, ?, ?)", (*body, rid)
            )
        else:
            rid = row[0]
            self._db.execute(
                "UPDATE tickets SET version = ?, sort_created = ?, sort_updated = ?,"
                " sort_sla = ?, status = ?, priority = ?, category = ?, queue = ?,"
                " assignee = ?, customer_email = ?, sla_breached = ?, sla_state = ?"
                " WHERE rid = ?",
                (*columns, rid),
            )
            self._db.execute("UPDATE bodies SET summary = ?, terms = ? WHERE rid = ?", (*body, rid))
        if view is None or updated["terms"] != view["terms"]:
            self._db.execute("DELETE FROM words WHERE rowid = ?", (rid,))
            self._db.execute(
                "INSERT INTO words (rowid, terms) VALUES (?, ?)", (rid, " ".join(updated["terms"]))
            )
        return True

    # --- queries ------------------------------------------------------------------------------

    def fetch_page(self, plan: PagePlan) -> tuple[list[TicketView], Position | None]:
        """The page's tickets in order and where the next starts, like the MongoDB adapter."""
        found: list[tuple[str | None, TicketView]] = []
        order = "DESC" if plan.direction < 0 else "ASC"
        column = _COLUMNS[plan.key]
        for step in plan.steps:
            wanted = plan.limit + 1 - len(found)
            if wanted <= 0:
                break
            where, params = where_clause(step.filter)
            rows = self._reader().execute(
                "SELECT (SELECT summary FROM bodies WHERE bodies.rid = tickets.rid)"
                f" FROM tickets{self._walk_hint(step.filter, column)}"
                f" WHERE {where} ORDER BY {column} {order} LIMIT ?",
                (*params, wanted),
            )
            found.extend((step.bucket, json.loads(summary)) for (summary,) in rows)
        return plan.finish(found)

    def _walk_hint(self, match: Mapping[str, Any], column: str) -> str:
        """`INDEXED BY` the sort's index when the words match many tickets.

        SQLite's planner always fetches every ticket the words match and sorts them: 35 ms
        for a word in one ticket of six at 100,000 tickets. Walking the sort's index and
        keeping the matches stops after the page's worth: 3 ms. For rare words the
        planner's way is the fast one (the walk would pass every ticket), so ask FTS5 how
        many match first (under a millisecond).
        """
        if "terms" not in match:
            return ""
        expression = _match_expression(_words(match["terms"]))
        with self._lock:
            matching = self._fts_counts.get(expression)
        if matching is None:
            (matching,) = (
                self._reader()
                .execute("SELECT count(*) FROM words WHERE words MATCH ?", (expression,))
                .fetchone()
            )
            with self._lock:
                self._fts_counts[expression] = matching
        return f" INDEXED BY {_SORT_INDEXES[column]}" if matching > WALK_ABOVE else ""

    def count_views(self, matches: Mapping[View, Mapping[str, Any]]) -> dict[View, int]:
        counts: dict[View, int] = {}
        for view, match in matches.items():
            key = where_clause(match)
            with self._lock:
                cached = self._counts.get(key)
            if cached is None:
                where, params = key
                (cached,) = (
                    self._reader()
                    .execute(f"SELECT count(*) FROM tickets WHERE {where}", params)
                    .fetchone()
                )
                with self._lock:
                    self._counts[key] = cached
            counts[view] = cached
        return counts

    def size(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM tickets").fetchone()
        return int(count)


def _view(summary: str, terms: str) -> TicketView:
    view: TicketView = json.loads(summary)
    view.update(terms=json.loads(terms), thread=[], history=[])
    return view


def where_clause(match: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """A MongoDB filter of the list's shapes as an SQL condition and its parameters."""
    parts: list[str] = []
    params: list[Any] = []
    for name, wanted in match.items():
        if name == "terms":
            words = _words(wanted)
            parts.append("rid IN (SELECT rowid FROM words WHERE words MATCH ?)")
            params.append(_match_expression(words))
            continue
        column = _COLUMNS.get(name)
        if column is None:
            raise UnsupportedFilter(f"no column for {name!r}")
        if isinstance(wanted, bool):
            parts.append(f"{column} = ?")
            params.append(int(wanted))
        elif isinstance(wanted, str):
            parts.append(f"{column} = ?")
            params.append(wanted)
        elif isinstance(wanted, dict) and set(wanted) == {"$in"}:
            values = list(wanted["$in"])
            if not values:
                parts.append("0")
                continue
            parts.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        elif isinstance(wanted, dict) and wanted and set(wanted) <= set(_RANGES):
            for operator, bound in wanted.items():
                parts.append(f"{column} {_RANGES[operator]} ?")
                params.append(bound)
        else:
            raise UnsupportedFilter(f"cannot translate {name!r}: {wanted!r}")
    return (" AND ".join(parts) or "1"), tuple(params)


def _match_expression(words: Sequence[str]) -> str:
    """FTS5 query: every word, each quoted (a quote inside doubled), so none is syntax."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def _words(wanted: Any) -> Sequence[str]:
    if isinstance(wanted, str):
        return [wanted]
    if isinstance(wanted, dict) and set(wanted) <= {"$eq", "$all"}:
        return [*([wanted["$eq"]] if "$eq" in wanted else []), *wanted.get("$all", [])]
    raise UnsupportedFilter(f"cannot translate terms: {wanted!r}")
