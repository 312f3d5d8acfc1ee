"""The live hub: each socket gets its messages in order from a writer of its own, and one slow
or broken socket is closed without holding up the others."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
from fastapi import WebSocket

from gateway import live
from gateway.live import Listener, LiveHub

STAFF = Listener(staff=True, account_id="asha")


class Socket:
    def __init__(self, *, stuck: bool = False, broken: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed: int | None = None
        self.stuck = stuck
        self.broken = broken
        self.release = asyncio.Event()

    async def send_text(self, text: str) -> None:
        if self.broken:
            raise RuntimeError("connection reset")
        if self.stuck:
            await self.release.wait()
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = code


def joined(hub: LiveHub, socket: Socket, listener: Listener = STAFF) -> Socket:
    hub.join(cast(WebSocket, socket), listener)
    return socket


async def test_every_socket_gets_every_message_in_order() -> None:
    hub = LiveHub()
    sockets = [joined(hub, Socket()) for _ in range(50)]
    for n in range(20):
        await hub.deliver("t1", {"n": n}, None)
    await hub.flush()
    for socket in sockets:
        assert [m["n"] for m in socket.sent] == list(range(20))


async def test_a_customer_gets_only_its_ticket_and_only_the_public_side() -> None:
    hub = LiveHub()
    customer = joined(hub, Socket(), Listener(staff=False, ticket_id="t1"))
    await hub.deliver("t2", {"n": 1}, {"n": 1, "public": True})
    await hub.deliver("t1", {"n": 2, "note": True}, None)
    await hub.deliver("t1", {"n": 3}, {"n": 3, "public": True})
    await hub.flush()
    assert customer.sent == [{"n": 3, "public": True}]


async def test_a_stuck_socket_is_closed_when_too_far_behind_and_others_keep_going(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "OUTBOX_LIMIT", 3)
    hub = LiveHub()
    stuck = joined(hub, Socket(stuck=True))
    healthy = joined(hub, Socket())
    for n in range(6):
        await hub.deliver("t1", {"n": n}, None)
        await asyncio.sleep(0)  # the tail awaits Kafka between records: writers run meanwhile
    await hub.flush()
    assert [m["n"] for m in healthy.sent] == list(range(6))
    await asyncio.sleep(0)  # let the closing task run
    assert stuck.closed == live.TRY_AGAIN_LATER
    stuck.release.set()
    await hub.deliver("t1", {"n": 6}, None)
    await hub.flush()
    assert len(stuck.sent) <= 1  # at most the message it was sending when it fell behind
    assert healthy.sent[-1] == {"n": 6}


async def test_a_broken_socket_is_dropped_and_closed() -> None:
    hub = LiveHub()
    broken = joined(hub, Socket(broken=True))
    await hub.deliver("t1", {"n": 1}, None)
    await hub.flush()
    await asyncio.sleep(0)
    assert broken.closed == live.TRY_AGAIN_LATER
    assert await hub.deliver_to_account("asha", {"type": "notification"}) == 0
