"""The HTTP channels: the partner API (`POST /api/v1/intake`) and Slack's slash-command
(`POST /api/v1/intake/slack`). Both send a `SubmitTicket` that names this instance as
`reply_to` and wait for the tickets service's answer, which carries the reference.

The public face is the gateway, which forwards both paths here with the raw body and the
signing headers unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID, uuid4

import structlog
from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from pydantic import BaseModel, ValidationError

from contracts.envelopes import CommandEnvelope, CommandReply
from contracts.values import Customer
from intake.adapters.partner_store import Partner, PartnerStore
from intake.adapters.slack_followups import SlackFollowUps
from intake.domain.commands import ticket_from_api, ticket_from_slack
from intake.domain.http_requests import (
    NewTicket,
    PartnerTicket,
    StatusQuery,
    body_signature_ok,
    read_slack_text,
    read_slash_command,
    slack_email,
    slack_refusal,
    usage_text,
)
from intake.domain.ids import api_command_id, api_ticket_id
from intake.entrypoints.references import TicketLookup
from intake.metrics import API_REQUESTS, SLACK_REQUESTS
from kit.command_bus import CommandBus, CommandTimeout

log = structlog.get_logger(__name__)

_REJECTION_STATUS = {"invalid": status.HTTP_422_UNPROCESSABLE_CONTENT}
# An unknown key and a bad signature answer alike, so keys cannot be probed.
_UNAUTHORIZED = "missing or unknown X-Api-Key, or a bad X-Dvika-Signature"


class IntakeCreated(BaseModel):
    id: UUID
    reference: str
    version: int


@dataclass
class HttpChannels:
    bus: CommandBus
    partners: PartnerStore
    lookup: TicketLookup
    clock: Callable[[], datetime]
    command_timeout_s: float
    slack_secret: str
    slack_email_domain: str
    slack_reply_wait_s: float
    slack_followups: SlackFollowUps


def _channels(request: Request) -> HttpChannels:
    """What the routes use, set by `main.create_app` on `app.state.http_channels`."""
    channels: HttpChannels = request.app.state.http_channels
    return channels


Channels = Annotated[HttpChannels, Depends(_channels)]
router = APIRouter(prefix="/api/v1/intake", tags=["intake"])


async def authenticated_partner(
    request: Request,
    channels: Channels,
    x_api_key: Annotated[str | None, Header(max_length=200)] = None,
    x_dvika_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> Partner:
    """401 before the body is even validated: unknown callers learn nothing about it."""
    partner = await channels.partners.by_key(x_api_key) if x_api_key else None
    if partner is None or not body_signature_ok(
        partner.signing_secret, await request.body(), x_dvika_signature
    ):
        API_REQUESTS.labels("unauthorized").inc()
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, _UNAUTHORIZED)
    return partner


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "A repeat of an earlier request (same Idempotency-Key)"}},
)
async def submit(
    body: PartnerTicket,
    response: Response,
    partner: Annotated[Partner, Depends(authenticated_partner)],
    channels: Channels,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=128)] = None,
) -> IntakeCreated:
    """A partner's ticket: 201 when new, 200 with the same id and reference when the
    Idempotency-Key was seen before (without one, each request is a new ticket)."""
    if idempotency_key:
        ticket_id = api_ticket_id(partner.partner_id, idempotency_key)
        command_id = api_command_id(partner.partner_id, idempotency_key)
    else:
        ticket_id, command_id = uuid4(), uuid4()
    envelope = ticket_from_api(
        partner.partner_id,
        body,
        ticket_id=ticket_id,
        command_id=command_id,
        idempotency_key=idempotency_key,
        reply_to=channels.bus.reply_to,
        now=channels.clock(),
    )
    reply = await _dispatch(channels.bus, envelope, channels.command_timeout_s)
    first = True
    if idempotency_key:
        first = await channels.partners.first_answer(
            ticket_id,
            partner_id=partner.partner_id,
            idempotency_key=idempotency_key,
            reference=reply.reference,
            now=channels.clock(),
        )
    if not first:
        response.status_code = status.HTTP_200_OK
    API_REQUESTS.labels("created" if first else "repeated").inc()
    log.info(
        "partner ticket",
        partner=partner.partner_id,
        ticket_id=str(ticket_id),
        reference=reply.reference,
        repeat=not first,
    )
    return IntakeCreated(id=ticket_id, reference=reply.reference or "", version=reply.version)


@router.post("/slack")
async def slack(
    request: Request,
    channels: Channels,
    x_slack_request_timestamp: Annotated[str | None, Header(max_length=20)] = None,
    x_slack_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, str]:
    """Slack's slash-command (form-encoded): `new <words>` or `status DVK-1234`."""
    raw = await request.body()
    refusal = slack_refusal(
        channels.slack_secret,
        x_slack_request_timestamp,
        x_slack_signature,
        raw,
        channels.clock(),
    )
    if refusal is not None:
        SLACK_REQUESTS.labels("unauthorized").inc()
        log.warning("slack request refused", reason=refusal)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, refusal)
    command = read_slash_command(raw)
    match read_slack_text(command.text):
        case NewTicket() as new:
            return await _slack_new(
                channels, new, command.user_id, command.user_name, command.response_url
            )
        case StatusQuery(reference=reference):
            SLACK_REQUESTS.labels("status").inc()
            found = await channels.lookup.status_of(reference, channels.slack_reply_wait_s)
            if found is None:
                return _ephemeral(f"{reference}: no such ticket")
            text = f"{found.reference}: {found.status}"
            if found.merged_into:
                text += f" (merged into {found.merged_into})"
            return _ephemeral(text)
    SLACK_REQUESTS.labels("usage").inc()
    return _ephemeral(usage_text(command.command))


async def _dispatch(bus: CommandBus, envelope: CommandEnvelope, timeout_s: float) -> CommandReply:
    """Send and wait; no answer in time is 503, a refusal 422 (invalid) or 409."""
    try:
        reply = await bus.send(envelope, timeout_s)
    except CommandTimeout as timeout:
        API_REQUESTS.labels("timeout").inc()
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(timeout)) from None
    if reply.outcome == "rejected":
        API_REQUESTS.labels("rejected").inc()
        code = _REJECTION_STATUS.get(reply.code or "", status.HTTP_409_CONFLICT)
        raise HTTPException(code, reply.reason or "rejected")
    return reply


async def _slack_new(
    channels: HttpChannels, new: NewTicket, user_id: str, user_name: str, response_url: str
) -> dict[str, str]:
    try:
        customer = Customer(
            name=user_name or user_id or "Slack user",
            email=slack_email(user_id or "unknown", channels.slack_email_domain),
        )
        envelope = ticket_from_slack(
            new,
            customer,
            ticket_id=uuid4(),
            command_id=uuid4(),
            reply_to=channels.bus.reply_to,
            now=channels.clock(),
        )
    except ValidationError as error:
        SLACK_REQUESTS.labels("invalid").inc()
        return _ephemeral(f"Could not open a ticket: {error.errors()[0]['msg']}")
    try:
        reply = await channels.bus.send(envelope, channels.slack_reply_wait_s)
    except CommandTimeout:
        # The command is on Kafka and will still be handled: the ticket will exist, and its
        # reference goes to Slack's response_url once the tickets service answers.
        SLACK_REQUESTS.labels("pending").inc()
        if channels.slack_followups.start(envelope, new.subject, response_url):
            return _ephemeral(
                f"Received: {new.subject}. The ticket is being opened; its reference follows."
            )
        return _ephemeral(
            f"Received: {new.subject}. The ticket is being opened; "
            "ask `/dvika-care status` with its reference from the confirmation."
        )
    if reply.outcome != "accepted":
        SLACK_REQUESTS.labels("rejected").inc()
        return _ephemeral(f"Could not open a ticket: {reply.reason or 'rejected'}")
    SLACK_REQUESTS.labels("created").inc()
    log.info("slack ticket", ticket_id=str(envelope.ticket_id), reference=reply.reference)
    return _ephemeral(f"Created {reply.reference}: {new.subject}")


def _ephemeral(text: str) -> dict[str, str]:
    return {"response_type": "ephemeral", "text": text}
