"""Merging a duplicate ticket into another: what may merge, and the thread that moves.

Pure. The tickets service owns each ticket's state but not its thread, so the gateway copies
the duplicate's thread from the read model and sends it with the version it read; the tickets
service refuses the merge if the duplicate changed since (`expected_version`), so the copy
that moves is exactly the thread at that version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final
from uuid import UUID

from pydantic import ValidationError

from contracts.commands import MergeTicket
from contracts.values import MAX_MERGED_MESSAGES, Attachment, MergedMessage
from gateway.domain.ticket_view import TicketView

# A Kafka record stays under the broker's 1 MB limit with room for the envelope.
MAX_MERGED_BYTES: Final = 600_000


class MergeRefused(ValueError):
    """The merge cannot be asked for; `status` is the HTTP answer (409, 413 or 422)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def attachment_ids(thread: list[TicketView]) -> list[UUID]:
    """Every file the thread's messages carry, in order, once each."""
    found = (a["attachment_id"] for m in thread for a in m.get("attachments") or ())
    return [UUID(str(i)) for i in dict.fromkeys(found)]


def plan_merge(
    duplicate: TicketView, target: TicketView, files: Mapping[UUID, Attachment] | None = None
) -> MergeTicket:
    """The command merging `duplicate` into `target`, both read-model documents.

    `files` describes the thread's attachments (the read model keeps no checksum); a file no
    longer in storage is left out, since nobody could download it anyway.
    """
    if duplicate["id"] == target["id"]:
        raise MergeRefused(422, "a ticket cannot be merged into itself")
    if duplicate["status"] == "closed":
        raise MergeRefused(409, f"ticket {duplicate['reference']} is closed, which is final")
    if target["status"] == "closed":
        raise MergeRefused(409, f"ticket {target['reference']} is closed: merge into an open one")
    thread = duplicate["thread"]
    if len(thread) > MAX_MERGED_MESSAGES:
        raise MergeRefused(
            413, f"the thread has {len(thread)} messages; at most {MAX_MERGED_MESSAGES} merge"
        )
    try:
        messages = tuple(_moved(m, files or {}) for m in thread)
    except ValidationError as error:  # a stored message the contract no longer accepts
        reason = error.errors()[0]["msg"]
        raise MergeRefused(409, f"the thread cannot be copied: {reason}") from None
    size = sum(len(json.dumps(m.model_dump(mode="json"))) for m in messages)
    if size > MAX_MERGED_BYTES:
        raise MergeRefused(413, f"the thread is {size} bytes; at most {MAX_MERGED_BYTES} merge")
    return MergeTicket(
        into_ticket_id=target["id"], into_reference=target["reference"], messages=messages
    )


def _moved(message: TicketView, files: Mapping[UUID, Attachment]) -> MergedMessage:
    carried = (UUID(str(a["attachment_id"])) for a in message.get("attachments") or ())
    return MergedMessage(
        message_id=message["id"],
        author=message["from"],
        written_by=message.get("author"),
        message=message["message"],
        internal=bool(message.get("internal")),
        channel=message.get("channel", "web"),
        posted_at=message["created_at"],
        attachments=tuple(files[i] for i in carried if i in files),
    )
