"""Ids derived from what a channel delivers, so the same delivery twice is the same command.

The tickets service answers a command id it has seen as the first time and appends nothing,
so a mail delivered twice (same Message-ID) or a partner record sent twice (same partner and
idempotency key) makes one ticket.
"""

from __future__ import annotations

import hashlib
from uuid import UUID, uuid5

INTAKE_NAMESPACE = UUID("5c1f0e3a-7d0b-4b8e-9a51-3f2d6c7e9b10")
DEDUPE_KEY_MAX = 200


def email_ticket_id(message_id: str) -> UUID:
    """The id of the ticket a new mail opens."""
    return uuid5(INTAKE_NAMESPACE, f"email-ticket:{message_id}")


def email_command_id(message_id: str) -> UUID:
    """The id of the command a mail becomes (a submission or a message on a ticket)."""
    return uuid5(INTAKE_NAMESPACE, f"email-command:{message_id}")


def email_attachment_id(message_id: str, index: int) -> UUID:
    """The id a mail's file is kept under: a mail delivered twice keeps each file once."""
    return uuid5(INTAKE_NAMESPACE, f"email-attachment:{message_id}\x00{index}")


def partner_ticket_id(partner_id: str, idempotency_key: str) -> UUID:
    return uuid5(INTAKE_NAMESPACE, f"partner-ticket:{partner_id}\x00{idempotency_key}")


def partner_command_id(partner_id: str, idempotency_key: str) -> UUID:
    return uuid5(INTAKE_NAMESPACE, f"partner-command:{partner_id}\x00{idempotency_key}")


def dedupe_key(channel: str, *parts: str) -> str:
    """`channel:part:…`, or its SHA-256 when that would not fit `SubmitTicket.dedupe_key`."""
    key = ":".join((channel, *parts))
    if len(key) <= DEDUPE_KEY_MAX:
        return key
    return f"{channel}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def api_ticket_id(partner_id: str, idempotency_key: str) -> UUID:
    """The ticket a partner API request with an `Idempotency-Key` opens (HTTP, not Kafka)."""
    return uuid5(INTAKE_NAMESPACE, f"api-ticket:{partner_id}\x00{idempotency_key}")


def api_command_id(partner_id: str, idempotency_key: str) -> UUID:
    return uuid5(INTAKE_NAMESPACE, f"api-command:{partner_id}\x00{idempotency_key}")
