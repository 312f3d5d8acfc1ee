"""Intents become notification records: the rendered email (or Slack payload) with its
headers, ready for the sender, so a retry sends exactly what was decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify.domain.notifications import Intent
from notify.domain.slack import slack_payload
from notify.domain.threading import thread_headers
from notify.rendering import EmailRenderer

# Kinds a person wrote: a reply is not an automatic message (RFC 3834 Auto-Submitted).
_WRITTEN_BY_PEOPLE = frozenset({"agent_reply"})


class NotificationComposer:
    def __init__(
        self,
        renderer: EmailRenderer,
        *,
        message_id_domain: str,
        customer_from: str,
        reply_to: str,
        staff_from: str,
    ) -> None:
        self._renderer = renderer
        self._domain = message_id_domain
        self._customer_from = customer_from
        self._reply_to = reply_to
        self._staff_from = staff_from

    def skeleton(self, intent: Intent, now: datetime) -> dict[str, Any]:
        """The record's fields without its content."""
        return {
            "key": intent.key,
            "channel": intent.channel,
            "kind": intent.kind,
            "recipient": intent.recipient,
            "audience": intent.audience,
            "source_id": intent.source_id,
            "ticket_id": str(intent.ticket_id) if intent.ticket_id else None,
            "reference": intent.context.get("reference"),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
            "sent_at": None,
            "last_error": None,
        }

    def compose(self, intent: Intent, now: datetime) -> dict[str, Any]:
        document = self.skeleton(intent, now)
        if intent.channel == "slack":
            document["slack"] = {"payload": slack_payload(intent)}
            return document
        rendered = self._renderer.render(intent)
        threading = thread_headers(
            intent.key,
            # Agents' and managers' mail is not part of the customer's conversation.
            intent.ticket_id if intent.audience == "customer" else None,
            self._domain,
            is_root=intent.kind == "ticket_received",
        )
        headers = threading.as_headers()
        if intent.kind not in _WRITTEN_BY_PEOPLE:
            headers["Auto-Submitted"] = "auto-generated"
        headers["X-Dvika-Notification"] = intent.kind
        if intent.context.get("reference"):
            headers["X-Dvika-Ticket"] = str(intent.context["reference"])
        customer = intent.audience == "customer"
        document["email"] = {
            # Customers answer the support mailbox, which threads their reply into the ticket;
            # staff mail comes from an address nobody reads, so an answer makes no ticket.
            "from": self._customer_from if customer else self._staff_from,
            "reply_to": self._reply_to if customer else None,
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "headers": headers,
        }
        return document
