"""`/api/v1/tickets`: submit, read and reply. Routes only translate HTTP into commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4, uuid5

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status

from contracts.base import Command
from contracts.commands import PostMessage, SubmitTicket
from contracts.envelopes import CommandEnvelope, CommandReply
from contracts.values import Actor
from gateway.access import CurrentPrincipal
from gateway.adapters.command_bus import CommandBus, CommandTimeout
from gateway.adapters.ticket_store import TicketStore
from gateway.domain.ticket_view import public_view, staff_view
from gateway.schemas import ReplyCreate, ReplyCreated, TicketCreate, TicketCreated
from gateway.settings import GatewaySettings
from kit.tracing import current_trace_context

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])

# Idempotency keys map to fixed ids, so a client retrying a POST gets the same ticket back.
_IDEMPOTENCY = UUID("3d0f6c1a-8e52-4b7f-a9c4-5e2d7b1f0a93")
_REJECTION_STATUS = {
    "invalid": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
}


def _bus(request: Request) -> CommandBus:
    bus: CommandBus = request.app.state.command_bus
    return bus


def _store(request: Request) -> TicketStore:
    store: TicketStore = request.app.state.ticket_store
    return store


def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


Bus = Annotated[CommandBus, Depends(_bus)]
Store = Annotated[TicketStore, Depends(_store)]
Settings = Annotated[GatewaySettings, Depends(_settings)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def submit_ticket(
    body: TicketCreate,
    bus: Bus,
    settings: Settings,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> TicketCreated:
    command = SubmitTicket(**body.model_dump())
    if idempotency_key:
        ticket_id = uuid5(_IDEMPOTENCY, f"ticket:{idempotency_key}")
        command_id = uuid5(_IDEMPOTENCY, f"submit:{idempotency_key}")
    else:
        ticket_id, command_id = uuid4(), uuid4()
    actor = principal.actor("customer")
    reply = await _dispatch(bus, settings, command, ticket_id, command_id, actor)
    return TicketCreated(id=ticket_id, reference=reply.reference or "", version=reply.version)


@router.get("/{ticket_id}")
async def get_ticket(
    ticket_id: str,
    store: Store,
    settings: Settings,
    principal: CurrentPrincipal,
    min_version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    if min_version is None:
        view = await store.get(ticket_id)
    else:
        view = await store.wait_for_version(ticket_id, min_version, settings.read_wait_s)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such ticket")
    return staff_view(view) if principal.kind == "agent" else public_view(view)


@router.post("/{ticket_id}/reply", status_code=status.HTTP_201_CREATED)
async def reply_to_ticket(
    ticket_id: UUID,
    body: ReplyCreate,
    bus: Bus,
    settings: Settings,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> ReplyCreated:
    command = PostMessage(author=body.author, message=body.message)
    command_id = uuid5(_IDEMPOTENCY, f"reply:{idempotency_key}") if idempotency_key else uuid4()
    actor = principal.actor(body.author)
    reply = await _dispatch(bus, settings, command, ticket_id, command_id, actor)
    return ReplyCreated(id=ticket_id, reference=reply.reference, version=reply.version)


async def _dispatch(
    bus: CommandBus,
    settings: GatewaySettings,
    command: Command,
    ticket_id: UUID,
    command_id: UUID,
    actor: Actor,
) -> CommandReply:
    envelope = CommandEnvelope(
        command_id=command_id,
        type=command.TYPE,
        schema_version=command.SCHEMA_VERSION,
        ticket_id=ticket_id,
        issued_at=datetime.now(UTC),
        actor=actor,
        correlation_id=command_id,
        reply_to=bus.reply_to,
        trace=current_trace_context(),
        payload=command.model_dump(mode="json"),
    )
    try:
        reply = await bus.send(envelope, settings.command_timeout_s)
    except CommandTimeout as timeout:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(timeout)) from None
    if reply.outcome == "rejected":
        code = _REJECTION_STATUS.get(reply.code or "", status.HTTP_409_CONFLICT)
        raise HTTPException(code, reply.reason or "rejected")
    return reply
