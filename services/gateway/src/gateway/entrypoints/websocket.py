"""`/ws`: the live feed of ticket events for connected clients."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway.access import current_principal
from gateway.live import LiveHub

router = APIRouter()


@router.websocket("/ws")
async def live_feed(websocket: WebSocket) -> None:
    await current_principal()  # the access-control seam: who may follow which tickets
    hub: LiveHub = websocket.app.state.live_hub
    await websocket.accept()
    hub.join(websocket)
    try:
        while True:
            await websocket.receive_text()  # clients only listen; this notices them leaving
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(websocket)
