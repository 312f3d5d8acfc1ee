"""`/api/v1/tickets`: submit, read and reply. Routes only translate HTTP into commands."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4, uuid5

from fastapi import APIRouter, Header, HTTPException, Path, Query, status

from contracts.commands import PostMessage, RateTicket, SubmitTicket
from gateway.access import CurrentPrincipal
from gateway.domain.ticket_view import public_view, staff_view
from gateway.entrypoints.dependencies import (
    Bus,
    IdempotencyKey,
    PublicRateLimit,
    Settings,
    Store,
    dispatch,
)
from gateway.entrypoints.http_attachments import AttachmentFiles, resolve_attachments
from gateway.schemas import (
    TICKET_EXAMPLE,
    FollowUp,
    RatingCreate,
    ReplyCreate,
    ReplyCreated,
    TicketChanged,
    TicketCreate,
    TicketCreated,
)
from gateway.tracking import token_matches, tracking_token

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])

# Idempotency keys map to fixed ids, so a client retrying a POST gets the same ticket back.
_IDEMPOTENCY = UUID("3d0f6c1a-8e52-4b7f-a9c4-5e2d7b1f0a93")


NO_SUCH_TICKET = "no such ticket"
# A ticket's id (a UUID) or its public reference (DVK-1234).
TicketKey = Annotated[
    str,
    Path(
        pattern=r"^([0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[Dd][Vv][Kk]-[0-9]{1,12})$"
    ),
]
# A wrong token and a missing ticket answer alike, so references cannot be probed.
_NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_TICKET)
TokenQuery = Annotated[str | None, Query(alias="token", max_length=100)]
TokenHeader = Annotated[str | None, Header(alias="X-Tracking-Token", max_length=100)]


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[PublicRateLimit])
async def submit_ticket(
    body: TicketCreate,
    bus: Bus,
    settings: Settings,
    principal: CurrentPrincipal,
    files: AttachmentFiles,
    idempotency_key: IdempotencyKey = None,
) -> TicketCreated:
    attachments = await resolve_attachments(files, body.attachments)
    command = SubmitTicket(**body.model_dump(exclude={"attachments"}), attachments=attachments)
    if idempotency_key:
        ticket_id = uuid5(_IDEMPOTENCY, f"ticket:{idempotency_key}")
        command_id = uuid5(_IDEMPOTENCY, f"submit:{idempotency_key}")
    else:
        ticket_id, command_id = uuid4(), uuid4()
    actor = principal.actor("customer")
    reply = await dispatch(bus, settings, command, ticket_id, command_id, actor)
    reference = reply.reference or ""
    token = tracking_token(settings.tracking_key, ticket_id)
    return TicketCreated(
        id=ticket_id,
        reference=reference,
        version=reply.version,
        tracking_token=token,
        tracking_url=f"{settings.public_url}/support/track/{reference}?token={token}",
    )


@router.get(
    "/{ticket_id}",
    dependencies=[PublicRateLimit],
    responses={200: {"content": {"application/json": {"example": TICKET_EXAMPLE}}}},
)
async def get_ticket(
    ticket_id: TicketKey,
    store: Store,
    settings: Settings,
    principal: CurrentPrincipal,
    min_version: Annotated[int | None, Query(ge=1)] = None,
    token: TokenQuery = None,
    header_token: TokenHeader = None,
) -> dict[str, Any]:
    """Staff read everything; a customer reads the public side with the ticket's token."""
    if min_version is None:
        view = await store.get(ticket_id)
    else:
        view = await store.wait_for_version(ticket_id, min_version, settings.read_wait_s)
    if view is None:
        raise _NOT_FOUND
    if principal.is_staff:
        return staff_view(view)
    if token_matches(settings.tracking_key, view["id"], token or header_token):
        return public_view(view)
    raise _NOT_FOUND


@router.post("/{ticket_id}/rating", dependencies=[PublicRateLimit])
async def rate_ticket(
    ticket_id: UUID,
    body: RatingCreate,
    bus: Bus,
    settings: Settings,
    principal: CurrentPrincipal,
    token: TokenQuery = None,
    header_token: TokenHeader = None,
) -> TicketChanged:
    """The customer rates a resolved ticket (good or bad, with an optional comment).

    One rating per ticket: rating again replaces it, until the ticket closes (409 then, and
    before the ticket is resolved).
    """
    if not token_matches(settings.tracking_key, ticket_id, token or header_token):
        raise _NOT_FOUND
    command = RateTicket(rating=body.rating, comment=body.comment)
    reply = await dispatch(bus, settings, command, ticket_id, uuid4(), principal.actor("customer"))
    return TicketChanged(id=ticket_id, reference=reply.reference, version=reply.version)


@router.post(
    "/{ticket_id}/reply", status_code=status.HTTP_201_CREATED, dependencies=[PublicRateLimit]
)
async def reply_to_ticket(
    ticket_id: UUID,
    body: ReplyCreate,
    bus: Bus,
    settings: Settings,
    principal: CurrentPrincipal,
    files: AttachmentFiles,
    idempotency_key: IdempotencyKey = None,
    token: TokenQuery = None,
    header_token: TokenHeader = None,
) -> ReplyCreated:
    """Agents reply (or note) as themselves; customers reply with the ticket's token."""
    if body.author == "agent" and not principal.is_staff:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED if principal.kind == "anonymous" else 403,
            "agents' replies need an agent's login",
        )
    if body.author == "customer" and not token_matches(
        settings.tracking_key, ticket_id, token or header_token
    ):
        raise _NOT_FOUND
    if body.internal and body.author != "agent":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "only agents write notes")
    attachments = await resolve_attachments(files, body.attachments)
    command = PostMessage(
        author=body.author,
        message=body.message,
        internal=body.internal,
        attachments=attachments,
    )
    command_id = uuid5(_IDEMPOTENCY, f"reply:{idempotency_key}") if idempotency_key else uuid4()
    actor = principal.actor(body.author)
    reply = await dispatch(bus, settings, command, ticket_id, command_id, actor)
    follow_up = None
    if reply.follow_up_ticket_id is not None:
        token = tracking_token(settings.tracking_key, reply.follow_up_ticket_id)
        follow_up = FollowUp(id=reply.follow_up_ticket_id, tracking_token=token)
    return ReplyCreated(
        id=ticket_id, reference=reply.reference, version=reply.version, follow_up=follow_up
    )
