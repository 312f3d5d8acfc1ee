"""What a channel's input becomes: a command envelope for the tickets service, or a refusal.

Mail and partner records are fire-and-forget (`reply_to=None`): the tickets service
dead-letters a refused one, and a retried command id appends nothing there. The HTTP
channels (partner API, Slack) name a `reply_to`, since their caller waits for the reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError

from contracts.base import Command
from contracts.commands import PostMessage, SubmitTicket
from contracts.envelopes import CommandEnvelope
from contracts.intake import IntakeRequest
from contracts.values import Actor, Attachment, Customer
from intake.domain.http_requests import NewTicket, PartnerTicket
from intake.domain.ids import (
    dedupe_key,
    email_command_id,
    email_ticket_id,
    partner_command_id,
    partner_ticket_id,
)
from intake.domain.mail import ParsedMail


def new_ticket_from_mail(
    mail: ParsedMail, now: datetime, attachments: tuple[Attachment, ...] = ()
) -> CommandEnvelope:
    """`attachments`: the mail's files as storage kept them."""
    command = SubmitTicket(
        customer=mail.customer,
        subject=mail.subject,
        message=mail.text,
        channel="email",
        dedupe_key=dedupe_key("email", mail.message_id),
        attachments=attachments,
    )
    return _envelope(
        command,
        command_id=email_command_id(mail.message_id),
        ticket_id=email_ticket_id(mail.message_id),
        actor=Actor(kind="customer", id=str(mail.customer.email)),
        now=now,
    )


def reply_from_mail(
    mail: ParsedMail, ticket_id: UUID, now: datetime, attachments: tuple[Attachment, ...] = ()
) -> CommandEnvelope:
    command = PostMessage(
        author="customer", message=mail.reply_text, channel="email", attachments=attachments
    )
    return _envelope(
        command,
        command_id=email_command_id(mail.message_id),
        ticket_id=ticket_id,
        actor=Actor(kind="customer", id=str(mail.customer.email)),
        now=now,
    )


@dataclass(frozen=True)
class InvalidRecord:
    """A partner record that makes no ticket; it goes to `intake.dlq` with this reason."""

    reason: str


def read_partner_record(value: bytes | None) -> IntakeRequest | InvalidRecord:
    if value is None:
        return InvalidRecord("empty record (no value)")
    try:
        json.loads(value)
    except (ValueError, UnicodeDecodeError) as error:
        return InvalidRecord(f"not JSON: {error}")
    try:
        return IntakeRequest.model_validate_json(value)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()
        )
        return InvalidRecord(f"invalid IntakeRequest: {problems}")


def ticket_from_partner(request: IntakeRequest, now: datetime) -> CommandEnvelope:
    command = SubmitTicket(
        customer=request.customer,
        subject=request.subject,
        message=request.message,
        channel="kafka",
        dedupe_key=dedupe_key("kafka", request.partner_id, request.idempotency_key),
    )
    # Left out by the partner: the submission's own defaults stand.
    chosen = {"category": request.category, "priority": request.priority}
    command = command.model_copy(update={k: v for k, v in chosen.items() if v is not None})
    return _envelope(
        command,
        command_id=partner_command_id(request.partner_id, request.idempotency_key),
        ticket_id=partner_ticket_id(request.partner_id, request.idempotency_key),
        actor=Actor(kind="partner", id=request.partner_id),
        now=now,
    )


def ticket_from_api(
    partner_id: str,
    request: PartnerTicket,
    *,
    ticket_id: UUID,
    command_id: UUID,
    idempotency_key: str | None,
    reply_to: str,
    now: datetime,
) -> CommandEnvelope:
    """A partner API request: answered (`reply_to`), since the caller waits for the reference."""
    command = SubmitTicket(
        customer=request.customer,
        subject=request.subject,
        message=request.message,
        channel="api",
        dedupe_key=dedupe_key("api", partner_id, idempotency_key) if idempotency_key else None,
    )
    chosen = {"category": request.category, "priority": request.priority}
    command = command.model_copy(update={k: v for k, v in chosen.items() if v is not None})
    return _envelope(
        command,
        command_id=command_id,
        ticket_id=ticket_id,
        actor=Actor(kind="partner", id=partner_id),
        now=now,
        reply_to=reply_to,
    )


def ticket_from_slack(
    request: NewTicket,
    customer: Customer,
    *,
    ticket_id: UUID,
    command_id: UUID,
    reply_to: str,
    now: datetime,
) -> CommandEnvelope:
    command = SubmitTicket(
        customer=customer, subject=request.subject, message=request.message, channel="slack"
    )
    return _envelope(
        command,
        command_id=command_id,
        ticket_id=ticket_id,
        actor=Actor(kind="customer", id=str(customer.email)),
        now=now,
        reply_to=reply_to,
    )


def _envelope(
    command: Command,
    *,
    command_id: UUID,
    ticket_id: UUID,
    actor: Actor,
    now: datetime,
    reply_to: str | None = None,
) -> CommandEnvelope:
    return CommandEnvelope(
        command_id=command_id,
        type=command.TYPE,
        schema_version=command.SCHEMA_VERSION,
        ticket_id=ticket_id,
        issued_at=now,
        actor=actor,
        correlation_id=command_id,
        reply_to=reply_to,
        payload=command.model_dump(mode="json"),
    )
