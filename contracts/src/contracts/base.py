"""Base classes for command and event payloads.

Every payload names its stable wire type (`TYPE`, dotted like `ticket.submitted`) and the
schema version it writes (`SCHEMA_VERSION`). Readers upcast older versions before
validation (see `upcasting.py`), so an event written years ago still reads.
"""

from __future__ import annotations

from typing import ClassVar

from contracts.values import Frozen


class Command(Frozen):
    """An order to the owner of one ticket. Named in the imperative."""

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1


class Event(Frozen):
    """A fact about one ticket that already happened. Named in the past tense."""

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1
