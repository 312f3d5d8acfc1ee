"""The bench scenarios of the staff list and the text search, at N seeded tickets.

Each returns result rows (see `report.Result`). Beside the gateway's answer time, `list`
measures its ceiling in the same run: the same filter and sort straight on FerretDB with
PyMongo (`ratio` = FerretDB's p95 / the gateway's p95; above 1, the gateway is faster).
"""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.measure import Latencies, open_loop
from bench.report import Result
from bench.stack import Stack

# Two filters, a sort and a cursor (the list scenario).
LIST_PARAMS = {"view": "all", "priority": "P2", "category": "billing", "sort": "-created"}


async def _login(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/login", json={"email": "manager@demo.dvika.care", "password": "dvika-demo"}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def list_and_search(stack: Stack, tickets: int, rate: float, seconds: float) -> list[Result]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        headers = await _login(client)
        first = await client.get("/api/v1/tickets", params=LIST_PARAMS, headers=headers)
        first.raise_for_status()
        cursor = first.json()["next_cursor"]
        paged = {**LIST_PARAMS, **({"cursor": cursor} if cursor else {})}

        def get(params: dict[str, Any]) -> Any:
            async def request() -> bool:
                answer = await client.get("/api/v1/tickets", params=params, headers=headers)
                return answer.status_code == 200

            return request

        listed = await open_loop(get(paged), rate, seconds)
        rare = await open_loop(get({"view": "all", "q": f"ORD{tickets // 2:07d}"}), rate, seconds)
        common = await open_loop(get({"view": "all", "q": "invoice"}), rate, seconds)
    ceiling = await _ferretdb_list(stack, rate, seconds)
    return [
        _latency("list", listed, 50, tickets, ceiling),
        _latency("search (rare word)", rare, 100, tickets),
        _latency("search (common word)", common, 100, tickets),
    ]


async def _ferretdb_list(stack: Stack, rate: float, seconds: float) -> Latencies:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongodb)
    try:
        meta = await client[stack.database]["projection_meta"].find_one({"_id": "tickets"})
        collection = client[stack.database][str(meta["collection"]) if meta else "tickets_v1"]
        query = {"priority": "P2", "category": "billing"}

        async def request() -> bool:
            docs = collection.find(query, sort=[("sort_created", -1)], limit=26)
            return len([d async for d in docs]) >= 0

        # FerretDB answers this in seconds at 100,000 tickets: a few requests tell enough.
        return await open_loop(request, min(rate, 2), min(seconds, 5))
    finally:
        await client.close()


def _latency(
    scenario: str, got: Latencies, target_ms: float, tickets: int, ceiling: Latencies | None = None
) -> Result:
    return Result(
        scenario=scenario,
        metric=f"p95 latency at {tickets:,} tickets",
        value=round(got.p95_ms, 1),
        unit="ms",
        target=f"< {target_ms:g}",
        met=got.p95_ms < target_ms and got.errors == 0,
        ceiling=None if ceiling is None else round(ceiling.p95_ms, 1),
        ratio=None if ceiling is None else round(ceiling.p95_ms / max(got.p95_ms, 0.001), 2),
        ratio_target=None,
        detail=f"p50 {got.p50_ms:.1f} ms, p99 {got.p99_ms:.1f} ms, {got.count} requests, "
        f"{got.errors} errors",
    )
