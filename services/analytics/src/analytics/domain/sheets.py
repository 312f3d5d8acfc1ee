"""Report sheets: each day's cube folded into the few small documents a report reads.

The cube (`buckets.day_buckets`) answers any report but holds hundreds of buckets a day,
and reading a 90-day range of it costs seconds. A report needs far less: the fields of one
metric (its *family*), the dimensions it may filter on (queue, priority, channel) and the one
it groups by. So each day gets one sheet per (kind, family), read by `_id` (the one lookup
FerretDB serves from an index):

- kind `base`: entries keyed by (queue, priority, channel): serves grouping by none, queue,
  priority or channel with any filter;
- kind `category` / `assignee`: the same key plus that dimension, for grouping by it.

`day_part` then merges a sheet's entries that pass the filters into one bucket per group:
what the report functions in `reports` read, the same sums the cube would give. Histograms
are stored packed into one string each (`histogram.pack`) and unpacked only for the entries a
request keeps: a day's sheet of resolution times by agent has hundreds of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from analytics.domain.buckets import COMMENTS_PER_BUCKET, CUBE
from analytics.domain.histogram import pack, unpack

Bucket = Mapping[str, Any]

FILTERED = ("queue", "priority", "channel")
SHEET_KINDS: dict[str, tuple[str, ...]] = {
    "base": FILTERED,
    "category": (*FILTERED, "category"),
    "assignee": (*FILTERED, "assignee"),
}
# What each report reads of a bucket; the duration reports by their clock's prefix.
FAMILIES: dict[str, tuple[str, ...]] = {
    "volume": ("created",),
    "csat": ("rated_good", "rated_bad", "comments"),
    "heatmap": ("hours",),
    "sla": (
        "created",
        "sla_tracked",
        "sla_breached",
        "sla_first_response_breached",
        "sla_resolution_breached",
    ),
    "open": ("open",),
    **{
        prefix: (f"{prefix}_count", f"{prefix}_sum_s", f"{prefix}_hist")
        for prefix in ("frt", "res", "frt_business", "res_business")
    },
}
# Which bucket field a grouping reads, and so which kind of sheet serves it.
GROUP_FIELDS = {
    "none": None,
    "agent": "assignee",
    "queue": "queue",
    "priority": "priority",
    "channel": "channel",
    "category": "category",
}


def kind_of(group_by: str) -> str:
    field = GROUP_FIELDS[group_by]
    return field if field in SHEET_KINDS else "base"


def sheet_id(day: str, kind: str, family: str) -> str:
    return f"{day}|{kind}|{family}"


def _is_empty(value: Any) -> bool:
    return not value


def merge_fields(into: dict[str, Any], bucket: Bucket, fields: Iterable[str]) -> None:
    """Add `bucket`'s `fields` into `into`: numbers summed, histograms and hour counts merged
    bin by bin, comments pooled (newest first, the first `COMMENTS_PER_BUCKET` kept)."""
    for name in fields:
        value = bucket.get(name)
        if value is None:
            continue
        if isinstance(value, str):  # a packed histogram (see `day_sheets`)
            value = unpack(value)
        if name == "comments":
            pooled = [*into.get(name, ()), *value]
            pooled.sort(key=lambda c: (c["rated_at"], c["reference"]), reverse=True)
            into[name] = pooled[:COMMENTS_PER_BUCKET]
        elif isinstance(value, Mapping):
            merged = into.setdefault(name, {})
            for key, count in value.items():
                merged[key] = merged.get(key, 0) + count
        else:
            into[name] = into.get(name, 0) + value


def day_sheets(day: str, cube: Sequence[Bucket]) -> list[dict[str, Any]]:
    """Every sheet of `day` from its cube buckets: one per (kind, family), empty ones too, so
    rewriting a day replaces each sheet by `_id` and never leaves a stale one behind."""
    cells = [bucket for bucket in cube if bucket.get("rollup", CUBE) == CUBE]
    weekday = date.fromisoformat(day).weekday()
    sheets = []
    for kind, keys in SHEET_KINDS.items():
        for family, fields in FAMILIES.items():
            entries: dict[tuple[Any, ...], dict[str, Any]] = {}
            for bucket in cells:
                if all(_is_empty(bucket.get(name)) for name in fields):
                    continue
                key = tuple(bucket.get(name) for name in keys)
                entry = entries.get(key)
                if entry is None:
                    entry = entries[key] = dict(zip(keys, key, strict=True))
                merge_fields(entry, bucket, fields)
            packed = [name for name in fields if name.endswith("_hist")]
            for entry in entries.values():
                for name in packed:
                    if name in entry:
                        entry[name] = pack(entry[name])
            sheets.append(
                {
                    "_id": sheet_id(day, kind, family),
                    "day": day,
                    "weekday": weekday,
                    "kind": kind,
                    "family": family,
                    "entries": [entries[key] for key in sorted(entries, key=repr)],
                }
            )
    return sheets


def day_part(
    sheet: Bucket, filters: Mapping[str, str], group_by: str, fields: Sequence[str]
) -> list[dict[str, Any]]:
    """The entries of `sheet` that pass `filters`, merged into one bucket per group value."""
    group_field = GROUP_FIELDS[group_by]
    merged: dict[Any, dict[str, Any]] = {}
    for entry in sheet.get("entries", ()):
        if any(entry.get(name) != value for name, value in filters.items()):
            continue
        group = entry.get(group_field) if group_field else None
        into = merged.get(group)
        if into is None:
            into = merged[group] = {"day": sheet["day"], "weekday": sheet["weekday"]}
            if group_field:
                into[group_field] = group
        merge_fields(into, entry, fields)
    return list(merged.values())
