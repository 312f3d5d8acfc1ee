"""Listing tickets for staff: views, filters, sorts and opaque cursors, as MongoDB queries.

Pure (no I/O): the HTTP route parses its input with this module, the MongoDB adapter
(`gateway.adapters.ticket_queries`) runs the query documents it builds.

How a page is read
------------------
Every sort walks ONE unique string field of the read model: `sort_created` or
`sort_updated` (`"<iso time>|<ticket id>"`, see `ticket_view.sort_key`). A page is
``find(match + {key: {"$lt" | "$gt": last key seen}}).sort(key).limit(limit + 1)``; the extra
document only tells whether a next page exists. Keys are unique and the range is strict, so a
ticket whose key does not change is neither repeated nor skipped however many tickets arrive
meanwhile: new tickets get later keys than every existing one, so `-created` (the default)
never shows them to a walk already under way and `created` shows them at its end.

- `created` / `-created`: oldest / newest first, on `sort_created`.
- `updated` / `-updated`: on `sort_updated`. A ticket that changes while someone pages moves
  and may be seen twice or not at all: inherent to sorting on a field that changes.
- `priority`: P1 first. No stored field orders priorities (and the read model's shape is not
  this module's to change), so the walk goes bucket by bucket, `{"priority": "P1"}` ...
  `{"priority": "P4"}` (equality filters, which FerretDB pushes down), each bucket oldest
  first by `sort_created`; the cursor carries the bucket. A ticket whose priority changes
  mid-walk may be seen twice or not at all.
- `sla_due`: the first to fall due first, on `sort_sla` (`"<earliest running due time>|<id>"`,
  or `"~<sort_created>"` for a ticket with no running SLA clock, so those come last, oldest
  first; see `ticket_view._derive_sla`). The key changes when the SLA service recomputes a
  ticket's clocks, so like `updated` a ticket may move while someone pages.

A cursor is base64url (no padding) of compact JSON ``{"v", "s": sort, "b": priority bucket or
null, "k": last key, "f": hash of view and filters, "c": checksum}``. A cursor of another sort
or other filters answers 400, and so does a damaged or edited one (the checksum). The
checksum is not a signature and need not be: a cursor grants nothing, every page is still
filtered by the caller's own view and filters.

Query shapes for FerretDB 1.24 (checked with `explain` on the PostgreSQL backend)
--------------------------------------------------------------------------------
FerretDB 1.24 pushes down only TOP-LEVEL EQUALITY on scalars (`{"f": v}` or
`{"f": {"$eq": v}}`: string, bool, date, int, ObjectId) as ``_jsonb->'f' @> v``; `$in`, `$all`,
`$and`, ranges and `null` are evaluated in Go after the fetch. It pushes a sort down only for
`$natural` on capped collections, and a limit only when there is neither filter nor sort
(v1.24.2 `handler/msg_find.go`). PostgreSQL's btree indexes on ``_jsonb->'f'`` that
`create_index` makes serve none of this (``@>`` is not a btree operator): the plan is always a
``Seq Scan``, and what costs is FerretDB decoding every document PostgreSQL hands over. So:

- The hot list query (`view=all`, `-created`, limit 25 = ``find({}).sort({sort_created: -1})
  .limit(26)``) explains as ``filterPushdown: false, sortPushdown: false, limitPushdown:
  false``: every ticket is fetched, decoded and sorted in FerretDB's memory for each page.
  Nothing in the query's shape can change that on 1.24 (a cursor's ``$lt`` is not pushed
  down either). Measured on the 2-CPU test machine with 10,000 one-message tickets: a page
  of 100 took 2.1 s (median; the whole walk of 100 pages 211 s); PostgreSQL hands over the
  32 MB of JSON in 0.25 s, FerretDB spends the rest decoding it. One pushed-down equality
  that keeps a quarter of the tickets (a priority bucket) cut a page to 0.7-0.9 s, a
  selective one (a view's, a word of `q`) to 20-50 ms. MongoDB serves all of these from
  the indexes made in `TicketStore.prepare`. (A stored coarse time bucket, say the day of
  creation, walked like the priority buckets, would give FerretDB an equality to push down
  for `view=all`; it needs a field in `ticket_view`.)
- Filters are therefore equalities wherever they can be: one value gives
  ``{"status": "open"}`` (pushed down); `my_open` is ``{"assignee": me, "status": {"$in":
  open-ish}}`` (the assignee pushed down); `escalations` ``{"status": "escalated"}``;
  `sla_breaches` ``{"sla_breached": true}``; each priority bucket ``{"priority": p}``;
  `sla_state` (the worst state of a ticket's clocks) ``{"sla_state": "at_risk"}``.
- A filter left with no equality but an `$in` on a one-value-per-ticket field (e.g.
  ``status=new,open`` in `all`) is asked as one `find` per value, each pushed down, whose
  sorted answers are merged (`split_for_pushdown`); counts add up likewise.
- The text query ``q`` is ``{"terms": {"$eq": w, "$all": [other words]}}``: the `$eq` part is
  pushed down (``_jsonb->'terms' @> '"w"'`` matches an element of the array), the rest is
  checked on the documents that come back. `w` is the likely rarest word: one with digits or
  an address first, else the longest.
- The cursor's range and the created/updated ranges share the sort key (`sort_created` /
  `sort_updated`), one index range for MongoDB; FerretDB checks them in Go. Time bounds are
  prefixes of keys (``"<iso time>"`` with `$gte`; the next microsecond with `$lt` for an
  inclusive end), so bytewise string order is time order.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, get_args

from pydantic import TypeAdapter, ValidationError

from contracts.values import Priority, TicketStatus
from gateway.domain.ticket_view import _WORD, SLA_STATES, TicketView
from gateway.identity.roles import VIEW_ROLES, View, may_see_view, views_for

SortName = Literal["-created", "created", "-updated", "updated", "priority", "sla_due"]
SORTS: Final[tuple[SortName, ...]] = get_args(SortName)
DEFAULT_SORT: Final[SortName] = "-created"

DEFAULT_LIMIT: Final = 25
MAX_LIMIT: Final = 100
# Bounds on what one request may ask for, so a query stays cheap to build and to run.
MAX_VALUES_PER_FILTER: Final = 20
MAX_QUERY_WORDS: Final = 16
MAX_CURSOR_CHARS: Final = 1024
_MAX_KEY_CHARS: Final = 200

STATUSES: Final[tuple[str, ...]] = get_args(TicketStatus)
PRIORITIES: Final[tuple[str, ...]] = ("P1", "P2", "P3", "P4")
# "My Open Tickets": everything not yet resolved or closed.
OPEN_STATUSES: Final = frozenset({"new", "open", "in_progress", "on_hold", "escalated"})

_PRIORITY = TypeAdapter(Priority)
_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CURSOR_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")
_CURSOR_VERSION: Final = 1


class InvalidFilter(ValueError):
    """A filter value is not acceptable; the route answers 422 naming `field`."""

    def __init__(self, field: str, message: str, value: object = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class InvalidCursor(ValueError):
    """A cursor that is damaged or belongs to another query; the route answers 400."""


class ViewForbidden(PermissionError):
    """The caller's role may not open the view (or any view); the route answers 403."""


# --- views and roles ---------------------------------------------------------------------


def resolve_view(role: str | None, requested: View | None) -> View:
    """The view to show: the one asked for if the role may open it, else the role's first."""
    if requested is None:
        allowed = views_for(role)
        if not allowed:
            raise ViewForbidden(f"role {role!r} may open no ticket view")
        return allowed[0]
    if not may_see_view(role, requested):
        who = ", ".join(sorted(VIEW_ROLES.get(requested, ())))
        raise ViewForbidden(f"the {requested!r} view is for {who}; your role is {role!r}")
    return requested


def visible_views(role: str | None) -> tuple[View, ...]:
    """The views whose counts the caller gets: those the role may open."""
    return views_for(role)


# --- filters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFilters:
    """Validated, normalised filters. A field left None does not filter."""

    status: tuple[str, ...] | None = None
    priority: tuple[str, ...] | None = None
    category: tuple[str, ...] | None = None
    queue: tuple[str, ...] | None = None
    assignee: tuple[str, ...] | None = None
    customer_email: tuple[str, ...] | None = None
    sla_state: tuple[str, ...] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    words: tuple[str, ...] = ()

    def canonical(self) -> dict[str, Any]:
        """A JSON-ready form, equal for equal filters (the cursor hashes it)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = _utc_text(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


def parse_filters(
    *,
    status: Sequence[str] | None = None,
    priority: Sequence[str] | None = None,
    category: Sequence[str] | None = None,
    queue: Sequence[str] | None = None,
    assignee: Sequence[str] | None = None,
    customer_email: Sequence[str] | None = None,
    sla_state: Sequence[str] | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    updated_from: datetime | None = None,
    updated_to: datetime | None = None,
    q: str | None = None,
) -> TicketFilters:
    """Filters from query parameters. List parameters may repeat and hold comma lists."""
    return TicketFilters(
        status=_values("status", status, _one_of_statuses),
        priority=_values("priority", priority, _priority),
        category=_values("category", category, _key_value("category")),
        queue=_values("queue", queue, _key_value("queue")),
        assignee=_values("assignee", assignee, _assignee),
        customer_email=_values("customer_email", customer_email, _email),
        sla_state=_values("sla_state", sla_state, _one_of_sla_states),
        created_from=created_from,
        created_to=created_to,
        updated_from=updated_from,
        updated_to=updated_to,
        words=query_words(q),
    )


def query_words(q: str | None) -> tuple[str, ...]:
    """The words of a text query, cut as the read model cuts `terms` (see `ticket_view`).

    Words shorter than two characters are never indexed, so a query of only such words
    does not filter.
    """
    if not q:
        return ()
    words = dict.fromkeys(w.strip(".-+") for w in _WORD.findall(q.lower()))
    found = tuple(w for w in words if w)
    if len(found) > MAX_QUERY_WORDS:
        raise InvalidFilter("q", f"at most {MAX_QUERY_WORDS} words", q)
    return found


def _values(
    name: str, raw: Sequence[str] | None, check: Callable[[str], str]
) -> tuple[str, ...] | None:
    if raw is None:
        return None
    parts = [p.strip() for item in raw for p in item.split(",")]
    parts = [p for p in parts if p]
    if not parts:
        return None
    if any(_control(p) for p in parts):
        # No stored value has them, and PostgreSQL's JSON cannot hold a NUL to compare with.
        raise InvalidFilter(name, "control characters are not allowed", parts)
    if len(parts) > MAX_VALUES_PER_FILTER:
        raise InvalidFilter(name, f"at most {MAX_VALUES_PER_FILTER} values", parts)
    return tuple(sorted({check(p) for p in parts}))


def _control(text: str) -> bool:
    return any(ord(c) < 32 or c == "\x7f" for c in text)


def ticket_lookup(ticket: str) -> dict[str, str] | None:
    """The filter finding a ticket by id or reference (DVK-…); None for text no ticket has."""
    if not ticket or _control(ticket):
        return None
    if ticket.upper().startswith("DVK-"):
        return {"reference": ticket.upper()}
    return {"_id": ticket}


def _one_of_statuses(value: str) -> str:
    text = value.lower()
    if text not in STATUSES:
        raise InvalidFilter("status", f"unknown status; one of {', '.join(STATUSES)}", value)
    return text


def _one_of_sla_states(value: str) -> str:
    text = value.lower()
    if text not in SLA_STATES:
        raise InvalidFilter("sla_state", f"unknown state; one of {', '.join(SLA_STATES)}", value)
    return text


def _priority(value: str) -> str:
    try:
        normalised: str = _PRIORITY.validate_python(value)
    except ValidationError:
        raise InvalidFilter("priority", "unknown priority; one of P1, P2, P3, P4", value) from None
    return normalised


def _key_value(name: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        text = value.lower()
        if len(text) > 64 or not _KEY_PATTERN.match(text):
            raise InvalidFilter(name, "lower-case letters, digits, '_' and '-'; 64 at most", value)
        return text

    return check


def _assignee(value: str) -> str:
    if len(value) > 64:
        raise InvalidFilter("assignee", "an account id has at most 64 characters", value)
    return value


def _email(value: str) -> str:
    if len(value) > 254 or "@" not in value:
        raise InvalidFilter("customer_email", "not an email address", value)
    return value.lower()


# --- query documents -----------------------------------------------------------------------


def build_match(view: View, filters: TicketFilters, me: str | None) -> dict[str, Any]:
    """The MongoDB filter of `view` narrowed by `filters`; `me` is the caller's account id."""
    status: Iterable[str] | None = filters.status
    assignee: Iterable[str] | None = filters.assignee
    if view == "my_open":
        status = _meet(status, OPEN_STATUSES)
        assignee = _meet(assignee, {me} if me else set())
    elif view == "escalations":
        status = _meet(status, {"escalated"})
    match: dict[str, Any] = {}
    for name, allowed in (
        ("status", status),
        ("priority", filters.priority),
        ("category", filters.category),
        ("queue", filters.queue),
        ("assignee", assignee),
        ("customer_email", filters.customer_email),
        ("sla_state", filters.sla_state),
    ):
        if allowed is not None:
            match[name] = _equal_to_one_of(allowed)
    if view == "sla_breaches":
        match["sla_breached"] = True
    if created := _time_range(filters.created_from, filters.created_to):
        match["sort_created"] = created
    if updated := _time_range(filters.updated_from, filters.updated_to):
        match["sort_updated"] = updated
    if filters.words:
        match["terms"] = _all_words(filters.words)
    return match


def _meet(chosen: Iterable[str] | None, allowed: Iterable[str]) -> set[str]:
    allowed = set(allowed)
    return allowed if chosen is None else allowed.intersection(chosen)


def _equal_to_one_of(values: Iterable[str]) -> Any:
    """One value as a plain equality (FerretDB pushes it down), several as `$in`."""
    ordered = sorted(set(values))
    return ordered[0] if len(ordered) == 1 else {"$in": ordered}


def _all_words(words: Sequence[str]) -> Any:
    # The likely rarest word is the one PostgreSQL filters on: one with digits or an address
    # (a number, an order id, an email) before plain words, then the longest.
    first = max(words, key=lambda w: (any(c.isdigit() or c in "@." for c in w), len(w)))
    rest = [w for w in words if w != first]
    return {"$eq": first, "$all": rest} if rest else first


def split_for_pushdown(match: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """Disjoint filters whose union is `match`, each with an equality FerretDB pushes down.

    A filter with a plain equality already has one and stays whole. Otherwise the smallest
    `$in` over a single-valued field (at most `MAX_SPLIT` values) becomes one filter per
    value: PostgreSQL then hands over only the matching documents instead of all of them,
    and the caller merges the sorted parts. An empty `$in` gives no filter at all: nothing
    can match, so nothing needs asking.
    """
    if any(_pushed_down(k, v) for k, v in match.items()):
        return (dict(match),)
    choices = [
        (len(v["$in"]), k)
        for k, v in match.items()
        if k in _SINGLE_VALUED and isinstance(v, dict) and set(v) == {"$in"}
    ]
    if not choices or min(choices)[0] > MAX_SPLIT:
        return (dict(match),)
    _, name = min(choices)
    return tuple({**match, name: value} for value in match[name]["$in"])


MAX_SPLIT: Final = 8
# Fields holding one value per ticket, so filters on their distinct values are disjoint.
_SINGLE_VALUED = frozenset(
    {"status", "priority", "category", "queue", "assignee", "customer_email", "sla_state"}
)


def _pushed_down(name: str, value: Any) -> bool:
    if name.startswith("$"):
        return False
    if isinstance(value, dict):
        return "$eq" in value
    return isinstance(value, str | bool | int)


def _time_range(start: datetime | None, end: datetime | None) -> dict[str, str]:
    bounds: dict[str, str] = {}
    if start is not None:
        bounds["$gte"] = _utc_text(start)
    if end is not None:  # inclusive: everything before the next microsecond
        bounds["$lt"] = _utc_text(end, after=True)
    return bounds


# Beyond what `datetime` holds in UTC: below and above every sort key.
_BEFORE_ALL, _AFTER_ALL = "", "9999-99"


def _utc_text(at: datetime, *, after: bool = False) -> str:
    """A time (or the microsecond after it) as the prefix of a sort key; naive means UTC."""
    try:
        aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        if after:
            aware += timedelta(microseconds=1)
    except OverflowError:
        return _AFTER_ALL if at.year > 1 else _BEFORE_ALL
    return aware.isoformat(timespec="microseconds")


# --- sorts, pages and cursors ------------------------------------------------------------


@dataclass(frozen=True)
class SortPlan:
    key: Literal["sort_created", "sort_updated", "sort_sla"]
    direction: Literal[1, -1]
    by_priority: bool = False


SORT_PLANS: Final[Mapping[SortName, SortPlan]] = {
    "-created": SortPlan("sort_created", -1),
    "created": SortPlan("sort_created", 1),
    "-updated": SortPlan("sort_updated", -1),
    "updated": SortPlan("sort_updated", 1),
    "priority": SortPlan("sort_created", 1, by_priority=True),
    "sla_due": SortPlan("sort_sla", 1),
}


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last ticket's sort key, and its priority bucket if any."""

    key: str
    bucket: str | None = None


@dataclass(frozen=True)
class PageStep:
    """One part of a page: its filter, and the priority bucket it reads (if any)."""

    filter: dict[str, Any]
    bucket: str | None = None

    @property
    def queries(self) -> tuple[dict[str, Any], ...]:
        """The `find`s that read it; their sorted results merge (`split_for_pushdown`)."""
        return split_for_pushdown(self.filter)


@dataclass(frozen=True)
class PagePlan:
    """The finds of one page, run in order until `limit + 1` tickets are found."""

    key: str
    direction: Literal[1, -1]
    limit: int
    steps: tuple[PageStep, ...]

    def finish(
        self, found: Sequence[tuple[str | None, TicketView]]
    ) -> tuple[list[TicketView], Position | None]:
        """The page's tickets and, when more follow, where the next page starts."""
        page = found[: self.limit]
        if len(found) <= self.limit or not page:
            return [doc for _, doc in page], None
        bucket, last = page[-1]
        return [doc for _, doc in page], Position(key=last[self.key], bucket=bucket)


@dataclass(frozen=True)
class TicketQuery:
    """One list request: view, filters, sort and page size, already validated."""

    view: View
    filters: TicketFilters = field(default_factory=TicketFilters)
    sort: SortName = DEFAULT_SORT
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidFilter("limit", f"between 1 and {MAX_LIMIT}", self.limit)

    def filter_hash(self) -> str:
        text = json.dumps(
            {"view": self.view, "filters": self.filters.canonical()},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def match(self, me: str | None, view: View | None = None) -> dict[str, Any]:
        """The filter of this query's view, or of another view with the same filters."""
        return build_match(view or self.view, self.filters, me)

    def buckets(self) -> tuple[str | None, ...]:
        if not SORT_PLANS[self.sort].by_priority:
            return (None,)
        chosen = self.filters.priority
        return tuple(p for p in PRIORITIES if chosen is None or p in chosen)

    def plan(self, me: str | None, cursor: str | None = None) -> PagePlan:
        """The finds that read the page after `cursor` (the first page without one)."""
        sort = SORT_PLANS[self.sort]
        match = self.match(me)
        buckets = self.buckets()
        after = self.decode_cursor(cursor) if cursor else None
        if after is not None:
            if after.bucket not in buckets:
                raise InvalidCursor("cursor does not fit this query")
            buckets = buckets[buckets.index(after.bucket) :]
        steps = []
        for bucket in buckets:
            step_filter = dict(match)
            if bucket is not None:
                step_filter["priority"] = bucket
            if after is not None and bucket == after.bucket:
                step_filter[sort.key] = _after(match.get(sort.key), sort.direction, after.key)
            steps.append(PageStep(step_filter, bucket))
        return PagePlan(sort.key, sort.direction, self.limit, tuple(steps))

    def encode_cursor(self, position: Position) -> str:
        body = {
            "v": _CURSOR_VERSION,
            "s": self.sort,
            "b": position.bucket,
            "k": position.key,
            "f": self.filter_hash(),
        }
        body["c"] = _checksum(body)
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def decode_cursor(self, cursor: str) -> Position:
        body = _decode(cursor)
        if body["s"] != self.sort:
            raise InvalidCursor(f"cursor belongs to sort {body['s']!r}, not {self.sort!r}")
        if body["f"] != self.filter_hash():
            raise InvalidCursor("cursor belongs to other filters or another view")
        return Position(key=body["k"], bucket=body["b"])


def _after(existing: dict[str, str] | None, direction: int, key: str) -> dict[str, str]:
    """A filter's range on the sort key, narrowed to what lies after `key`."""
    bounds = dict(existing or {})
    if direction < 0:
        bounds["$lt"] = min(bounds["$lt"], key) if "$lt" in bounds else key
    else:
        bounds["$gt"] = key
    return bounds


def _checksum(body: Mapping[str, Any]) -> str:
    text = json.dumps({k: v for k, v in body.items() if k != "c"}, sort_keys=True)
    return hashlib.sha256(f"dvika-cursor:{text}".encode()).hexdigest()[:16]


def _decode(cursor: str) -> dict[str, Any]:
    invalid = InvalidCursor("cursor is not valid; start again without one")
    if len(cursor) > MAX_CURSOR_CHARS or not _CURSOR_ALPHABET.match(cursor):
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not isinstance(body, dict) or set(body) != {"v", "s", "b", "k", "f", "c"}:
        raise invalid
    if body["c"] != _checksum(body) or body["v"] != _CURSOR_VERSION:
        raise invalid
    key, bucket = body["k"], body["b"]
    if not isinstance(key, str) or not 0 < len(key) <= _MAX_KEY_CHARS:
        raise invalid
    if bucket is not None and bucket not in PRIORITIES:
        raise invalid
    if body["s"] not in SORTS or not isinstance(body["f"], str):
        raise invalid
    return body
