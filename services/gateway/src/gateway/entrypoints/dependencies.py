"""What every HTTP route may ask for (`Annotated` aliases), and sending a command.

Routes only translate: HTTP body → command → `dispatch` → the reply mapped to HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Request, status

from contracts.base import Command
from contracts.envelopes import CommandEnvelope, CommandReply
from contracts.values import Actor
from gateway.adapters.ticket_store import TicketStore
from gateway.entrypoints.listing_feed import ListingFeed
from gateway.identity.rate_limit import RateLimiter
from gateway.settings import GatewaySettings
from kit.command_bus import CommandBus, CommandTimeout
from kit.tracing import current_trace_context

_REJECTION_STATUS = {
    "invalid": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
    "closed": status.HTTP_409_CONFLICT,
}


async def _bus(request: Request) -> CommandBus:
    bus: CommandBus = request.app.state.command_bus
    return bus


async def _store(request: Request) -> TicketStore:
    store: TicketStore = request.app.state.ticket_store
    return store


async def _listing(request: Request) -> ListingFeed:
    listing: ListingFeed = request.app.state.listing
    return listing


async def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


# Dependencies are `async def` although they never await: FastAPI runs a plain `def` one in a
# worker thread, a hand-off that cost the gateway a tenth of its CPU under submit load (py-spy).
Bus = Annotated[CommandBus, Depends(_bus)]
Store = Annotated[TicketStore, Depends(_store)]
Settings = Annotated[GatewaySettings, Depends(_settings)]
Listing = Annotated[ListingFeed, Depends(_listing)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


async def _public_rate_limit(request: Request) -> None:
    """Callers without a login share a per-address budget; staff are known and not limited."""
    limiter: RateLimiter | None = request.app.state.public_limiter
    if limiter is None or "authorization" in request.headers:
        return
    address = request.client.host if request.client else "unknown"
    wait_s = limiter.acquire(f"ip:{address}")
    if wait_s:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many requests from this address; try again later",
            headers={"Retry-After": RateLimiter.retry_after_header(wait_s)},
        )


PublicRateLimit = Depends(_public_rate_limit)


async def dispatch(
    bus: CommandBus,
    settings: GatewaySettings,
    command: Command,
    ticket_id: UUID,
    command_id: UUID,
    actor: Actor,
    expected_version: int | None = None,
) -> CommandReply:
    """Send `command` and wait for its outcome; a rejection becomes a 4xx with the reason.

    With `expected_version`, the tickets service refuses the command (409) if the ticket
    has moved on since that version.
    """
    envelope = CommandEnvelope(
        command_id=command_id,
        type=command.TYPE,
        schema_version=command.SCHEMA_VERSION,
        ticket_id=ticket_id,
        issued_at=datetime.now(UTC),
        actor=actor,
        correlation_id=command_id,
        reply_to=bus.reply_to,
        expected_version=expected_version,
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
