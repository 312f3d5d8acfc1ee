"""Report rows as CSV: one column per row key, in first-seen order; nested values as JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

_FORMULA_STARTS = frozenset("=+-@\t\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return _defused(json.dumps(value, default=_json_default, ensure_ascii=False))
    if isinstance(value, str):
        return _defused(value)
    return str(value)


def _defused(text: str) -> str:
    # Customers write the comments: a cell starting like a formula would run as one in a
    # spreadsheet (CSV injection), so it is quoted as text.
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def rows_to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    listed = list(rows)
    columns: list[str] = []
    for row in listed:
        columns.extend(key for key in row if key not in columns)
    out = io.StringIO()
    # RFC 4180 line ends; every spreadsheet reads them.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in listed:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()
