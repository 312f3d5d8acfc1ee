"""fan-out: N staff WebSocket clients, tickets submitted at 20/s, every `ticket.new` to all.

Each delivery's delay runs from the submission accepted (HTTP 201) to its arrival at one
client. The ceiling is a bare `websockets` server in this process broadcasting messages of
the same size to the same number of clients at the same rate (delay from the broadcast;
ratio: its p99 / ours). The listeners share this process with the load generator and, for
the ceiling, with the server: on two cores they cost the measured side CPU too.
"""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.live_clients import Listeners, latencies, ms, ticket_id_of
from bench.report import Result
from bench.scenario_live import submit_and_listen
from bench.stack import Stack

TARGET_P99_MS = 250
CEILING_PORT = 28099


async def bare_broadcast(
    clients: int, rate: float, seconds: float, size: int
) -> tuple[float, int, int]:
    """(p99 ms, deliveries missed, clients dropped) of a bare websockets broadcast."""
    connected: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        connected.add(connection)
        try:
            await connection.wait_closed()
        finally:
            connected.discard(connection)

    async with serve(handler, "127.0.0.1", CEILING_PORT, ping_interval=None):
        listeners = Listeners(f"ws://127.0.0.1:{CEILING_PORT}/", clients, lambda _: True)
        await listeners.start()
        sent: dict[str, float] = {}
        padding = "x" * max(0, size - 60)
        start = time.perf_counter()
        for n in range(max(1, int(rate * seconds))):
            at = start + n / rate
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            name = f"event-{n}"
            sent[name] = time.perf_counter()
            broadcast(connected, json.dumps({"type": "ticket.new", "id": name, "pad": padding}))
        await listeners.wait_for(set(sent), _name, 10)
        await listeners.stop()
    histogram, missed = latencies(sent, listeners.received(_name))
    return ms(histogram, 99), missed, listeners.dropped


def _name(text: str) -> str:
    return str(json.loads(text)["id"])


async def fanout(stack: Stack, clients: int, rate: float, seconds: float) -> list[Result]:
    accepted, _, listeners, errors = await submit_and_listen(stack, clients, rate, seconds)
    histogram, missed = latencies(accepted, listeners.received(ticket_id_of))
    size = max((len(t) for t in listeners.texts.values()), default=2000)
    ceiling_p99, ceiling_missed, ceiling_dropped = await bare_broadcast(
        clients, rate, seconds, size
    )
    p99 = ms(histogram, 99)
    return [
        Result(
            scenario="fan-out",
            metric=f"p99 delivery to {clients:,} staff sockets, {rate:g} events/s",
            value=round(p99, 1),
            unit="ms",
            target=f"< {TARGET_P99_MS}",
            met=p99 < TARGET_P99_MS and listeners.dropped == 0 and missed == 0 and errors == 0,
            ceiling=round(ceiling_p99, 1),
            ratio=round(ceiling_p99 / max(p99, 0.001), 3),
            detail=f"p50 {ms(histogram, 50):.1f} ms; {len(accepted)} tickets, "
            f"{listeners.dropped} clients dropped, {missed} deliveries missed, {errors} failed "
            f"submissions; ceiling column: bare websockets broadcast in-process, p99 "
            f"({ceiling_missed} missed, {ceiling_dropped} dropped, {size}-byte messages)",
        )
    ]
