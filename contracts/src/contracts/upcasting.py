"""Upcasters: turn an old schema version of a payload into the next one, on read.

Register one function per (type, old version). Reading a v1 payload when the model is at v3
applies the v1→v2 and then the v2→v3 function. Stored events are never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]
UpcasterTable = Mapping[tuple[str, int], Upcaster]


def _no_attachments(payload: Payload) -> Payload:
    """v1 → v2 of submissions and messages: v2 added `attachments`; v1 had none."""
    return {**payload, "attachments": []}


# The shipped upcasters, one per (type, version it reads).
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("ticket.submit", 1): _no_attachments,
    ("ticket.post_message", 1): _no_attachments,
    ("ticket.submitted", 1): _no_attachments,
    ("ticket.message_posted", 1): _no_attachments,
}


class SchemaVersionError(ValueError):
    """A payload's schema version cannot be brought to the version this reader knows."""


def upcast(
    type_name: str, version: int, target: int, payload: Payload, table: UpcasterTable
) -> Payload:
    if version > target:
        raise SchemaVersionError(
            f"{type_name} schema version {version} is newer than this reader's {target}"
        )
    while version < target:
        step = table.get((type_name, version))
        if step is None:
            raise SchemaVersionError(f"no upcaster for {type_name} from version {version}")
        payload = step(dict(payload))
        version += 1
    return payload
