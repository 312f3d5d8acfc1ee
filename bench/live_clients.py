"""Many WebSocket listeners in one process, cheap enough for 1,000 of them.

Every staff client receives the very same text for an event, so each listener only stamps
the arrival time under the text's hash; one copy of each distinct text is kept and decoded
once at the end. A listener whose connection ends before `stop` counts as dropped.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from hdrh.histogram import HdrHistogram
from websockets.asyncio.client import ClientConnection, connect

CONNECT_AT_ONCE = 50


class Listeners:
    def __init__(self, url: str, count: int, wanted: Callable[[str], bool]) -> None:
        self._url = url
        self._count = count
        self._wanted = wanted
        self.arrivals: list[dict[int, float]] = [{} for _ in range(count)]
        self.texts: dict[int, str] = {}
        self.dropped = 0
        self._sockets: list[ClientConnection] = []
        self._readers: list[asyncio.Task[None]] = []
        self._stopping = False
        self._names: dict[int, str] = {}

    async def start(self) -> None:
        for first in range(0, self._count, CONNECT_AT_ONCE):
            batch = range(first, min(first + CONNECT_AT_ONCE, self._count))
            self._sockets += await asyncio.gather(
                *(connect(self._url, max_size=None, ping_interval=None) for _ in batch)
            )
        self._readers = [asyncio.create_task(self._read(i, s)) for i, s in enumerate(self._sockets)]

    async def _read(self, index: int, socket: ClientConnection) -> None:
        arrivals, texts, wanted = self.arrivals[index], self.texts, self._wanted
        try:
            async for text in socket:
                now = time.perf_counter()
                if isinstance(text, str) and wanted(text):
                    key = hash(text)
                    arrivals[key] = now
                    if key not in texts:
                        texts[key] = text
        except Exception:
            pass  # the connection broke: counted below as a drop
        if not self._stopping:
            self.dropped += 1

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.gather(*(s.close() for s in self._sockets), return_exceptions=True)
        await asyncio.gather(*self._readers, return_exceptions=True)

    def received(self, name_of: Callable[[str], str]) -> list[dict[str, float]]:
        """Per listener: arrival time by event name (`name_of` reads it from the text)."""
        names = self._names
        for key, text in list(self.texts.items()):
            if key not in names:
                names[key] = name_of(text)
        return [{names[k]: t for k, t in arrivals.items()} for arrivals in self.arrivals]

    async def wait_for(
        self, names: set[str], name_of: Callable[[str], str], timeout_s: float
    ) -> None:
        """Until every listener has every named event, or the deadline."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(names <= got.keys() for got in self.received(name_of)):
                return
            await asyncio.sleep(0.2)


def ticket_new(text: str) -> bool:
    return '"ticket.new"' in text


def ticket_id_of(text: str) -> str:
    return str(json.loads(text)["ticket"]["id"])


def latencies(
    reference: dict[str, float], received: list[dict[str, float]]
) -> tuple[HdrHistogram, int]:
    """Each delivery's delay after its reference time (never below 0), and deliveries missed."""
    histogram = HdrHistogram(1, 60_000_000, 3)
    missed = 0
    for got in received:
        for name, at in reference.items():
            arrived = got.get(name)
            if arrived is None:
                missed += 1
            else:
                histogram.record_value(max(1, int((arrived - at) * 1_000_000)))
    return histogram, missed


def ms(histogram: HdrHistogram, percentile: float) -> float:
    return float(histogram.get_value_at_percentile(percentile)) / 1000
