"""`/ws`: the live feed of ticket events, for staff or for one customer's ticket.

Staff connect with `?access_token=<JWT>`; a customer with `?ticket=<id>&token=<tracking
token>`. Anyone else is turned away with close code 4401 (the 401 of WebSockets).
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway.access import principal_from_token
from gateway.identity.tokens import InvalidToken
from gateway.live import Listener, LiveHub
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
    listener = await _listener(websocket, access_token, ticket, token)
    await websocket.accept()  # first, so the client gets the close code and reason
    if listener is None:
        await websocket.close(code=UNAUTHORIZED, reason="log in, or give a ticket and its token")
        return
    hub: LiveHub = websocket.app.state.live_hub
    hub.join(websocket, listener)
    try:
        while True:
            await websocket.receive_text()  # clients only listen; this notices them leaving
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(websocket)


async def _listener(
    websocket: WebSocket, access_token: str | None, ticket: str | None, token: str | None
) -> Listener | None:
    if access_token:
        try:
            principal = await principal_from_token(websocket, access_token)
        except InvalidToken:
            return None
        return Listener(staff=True) if principal.is_staff else None
    settings: GatewaySettings = websocket.app.state.settings
    try:
        ticket_id = str(UUID(ticket or ""))
    except ValueError:
        return None
    if token_matches(settings.tracking_key, ticket_id, token):
        return Listener(staff=False, ticket_id=ticket_id)
    return None
