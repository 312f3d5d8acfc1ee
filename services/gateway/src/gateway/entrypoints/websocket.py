"""`/ws`: the live feed of ticket events, for staff or for one customer's ticket.

Staff connect with `?access_token=<JWT>`; a customer with `?ticket=<id>&token=<tracking
token>`. Anyone else is turned away with close code 4401 (the 401 of WebSockets). Staff may
send presence signals (`gateway.presence`); anything else a client sends is ignored.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway.access import Principal, principal_from_token
from gateway.identity.tokens import InvalidToken
from gateway.live import Listener, LiveHub
from gateway.presence import PresencePublisher, PresenceRefused, signal_from
from gateway.settings import GatewaySettings
from gateway.tracking import token_matches

router = APIRouter()
UNAUTHORIZED = 4401


@router.websocket("/ws")
async def live_feed(
    websocket: WebSocket,
    access_token: str | None = None,
    ticket: str | None = None,
    token: str | None = None,
) -> None:
    listener, principal = await _listener(websocket, access_token, ticket, token)
    await websocket.accept()  # first, so the client gets the close code and reason
    if listener is None:
        await websocket.close(code=UNAUTHORIZED, reason="log in, or give a ticket and its token")
        return
    hub: LiveHub = websocket.app.state.live_hub
    presence: PresencePublisher = websocket.app.state.presence
    hub.join(websocket, listener)
    try:
        while True:
            text = await websocket.receive_text()  # also notices the client leaving
            if principal is None:
                continue  # customers only listen
            try:
                await presence.publish(signal_from(principal, text))
            except PresenceRefused:
                continue  # a console of another version, or noise: never worth a disconnect
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(websocket)


async def _listener(
    websocket: WebSocket, access_token: str | None, ticket: str | None, token: str | None
) -> tuple[Listener | None, Principal | None]:
    if access_token:
        try:
            principal = await principal_from_token(websocket, access_token)
        except InvalidToken:
            return None, None
        if not principal.is_staff:
            return None, None
        return Listener(staff=True, account_id=principal.id), principal
    settings: GatewaySettings = websocket.app.state.settings
    try:
        ticket_id = str(UUID(ticket or ""))
    except ValueError:
        return None, None
    if token_matches(settings.tracking_key, ticket_id, token):
        return Listener(staff=False, ticket_id=ticket_id), None
    return None, None
