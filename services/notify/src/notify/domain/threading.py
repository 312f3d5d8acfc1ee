"""Message-IDs and threading headers, so mail clients show one conversation per ticket.

Every ticket has a root id, `<ticket-{id}@{domain}>`: the customer's confirmation carries
it as its Message-ID and every later mail names it in In-Reply-To and References. Other
mails get ids derived from their idempotency key (a re-send has the same id, so a receiver
can drop the copy), shaped `<n{hash}.{ticket id}@{domain}>`: the intake recognises both forms
and threads a reply naming them back into the ticket.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class ThreadHeaders:
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]

    def as_headers(self) -> dict[str, str]:
        headers = {"Message-ID": self.message_id}
        if self.in_reply_to:
            headers["In-Reply-To"] = self.in_reply_to
        if self.references:
            headers["References"] = " ".join(self.references)
        return headers


def root_message_id(ticket_id: UUID, domain: str) -> str:
    return f"<ticket-{ticket_id}@{domain}>"


def notification_message_id(key: str, ticket_id: UUID | None, domain: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    local = f"n{digest}.{ticket_id}" if ticket_id is not None else f"n{digest}"
    return f"<{local}@{domain}>"


def thread_headers(
    key: str, ticket_id: UUID | None, domain: str, *, is_root: bool
) -> ThreadHeaders:
    if ticket_id is None:
        return ThreadHeaders(notification_message_id(key, None, domain), None, ())
    root = root_message_id(ticket_id, domain)
    if is_root:
        return ThreadHeaders(root, None, ())
    return ThreadHeaders(notification_message_id(key, ticket_id, domain), root, (root,))
