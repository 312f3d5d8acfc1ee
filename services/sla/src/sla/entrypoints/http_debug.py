"""`GET /tickets/{id}/sla`: a ticket's clocks as this process computes them (for debugging)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request

from sla.domain.clocks import compute_clocks, next_wake
from sla.entrypoints.timers import SlaTimers

router = APIRouter()


@router.get("/tickets/{ticket_id}/sla")
async def ticket_sla(ticket_id: UUID, request: Request) -> dict[str, Any]:
    timers: SlaTimers = request.app.state.timers
    timeline = timers.timelines.get(ticket_id)
    if timeline is None:
        raise HTTPException(404, "no open ticket with this id (closed ones are forgotten)")
    config = timers.config
    now = timers.clock.now()
    wake = next_wake(timeline, config, now)
    return {
        "ticket_id": str(ticket_id),
        "version": timeline.version,
        "status": timeline.status,
        "priority": timeline.priority,
        "queue": timeline.queue,
        "looked_after": timers.looks_after(timeline),
        "clocks": [clock.model_dump(mode="json") for clock in compute_clocks(timeline, config)],
        "warned": sorted(timeline.warned),
        "breached": sorted(timeline.breached),
        "next_wake": None if wake is None else wake.isoformat(),
        "now": now.isoformat(),
    }
