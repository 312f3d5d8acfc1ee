"""`GET /api/v1/tickets` (the staff's ticket list) and `GET /api/v1/tickets/{id}/history`.

Staff only: no token or a customer answers 401; a role asking for a view it may not open
answers 403 with the reason (`gateway.identity.roles.may_see_view`). Without `view` the list
shows the first view the role may open, and `counts` holds only the views it may open.
Filters, sorts and cursors: `gateway.domain.ticket_query`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from gateway.access import CurrentPrincipal, Principal
from gateway.adapters.ticket_queries import count_views, fetch_page, ticket_history
from gateway.domain.ticket_query import (
    DEFAULT_LIMIT,
    DEFAULT_SORT,
    MAX_CURSOR_CHARS,
    MAX_LIMIT,
    InvalidCursor,
    InvalidFilter,
    SortName,
    TicketQuery,
    ViewForbidden,
    parse_filters,
    resolve_view,
    visible_views,
)
from gateway.domain.ticket_view import staff_view
from gateway.entrypoints.dependencies import Listing, Store
from gateway.identity.roles import View
from gateway.schemas import SUMMARY_EXAMPLE, TicketSummaryRead

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets: staff queries"])


class TicketPage(BaseModel):
    """One page of tickets as staff read them, newest first unless `sort` says otherwise."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [SUMMARY_EXAMPLE],
                    "next_cursor": "eyJiIjpudWxsLCJjIjoi…",
                    "counts": {"all": 120, "escalations": 4, "sla_breaches": 0},
                }
            ]
        }
    )

    items: list[TicketSummaryRead]
    next_cursor: str | None = Field(
        description="pass as `cursor` with the same filters for the next page; null: last page"
    )
    counts: dict[str, int] = Field(
        description="tickets per view the caller may open, under the same filters"
    )


class TicketHistory(BaseModel):
    """Who did what and when, oldest first, from the ticket's events."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "version": 2,
                            "type": "ticket.status_changed",
                            "at": "2026-11-24T12:05:00Z",
                            "actor": {"kind": "agent", "id": "a1"},
                            "command_id": "5b0a9a52-2c1f-4a8e-9d3e-2f6b7c8d9e01",
                            "change": {"from_status": "new", "to_status": "open"},
                            "summary": "Status new → open",
                        },
                        {
                            "version": 3,
                            "type": "ticket.routed",
                            "at": "2026-11-24T12:05:01Z",
                            "actor": {"kind": "system", "id": "routing"},
                            "command_id": "0c4e1f7a-8b2d-4e6f-a1c3-5d7e9f0b2a43",
                            "change": {"queue": "billing", "rule": "billing", "matched": "refund"},
                            "summary": "Routed to queue billing by rule billing (matched “refund”)",
                        },
                    ]
                }
            ]
        }
    )

    items: list[dict[str, Any]]


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "a cursor that is damaged or belongs to another sort or filters"},
    401: {"description": "no staff access token"},
    403: {"description": "the caller's role may not open this view"},
}
_LIST = "Repeat the parameter or separate values with commas; any of them matches."

ListParam = Annotated[list[str] | None, Query(max_length=20, description=_LIST)]


async def _staff(principal: CurrentPrincipal) -> Principal:
    """Staff only: anyone else is told to sign in (401), before any input is looked at."""
    if not principal.is_staff or principal.role is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "staff only: sign in with a staff account",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


Staff = Annotated[Principal, Depends(_staff)]


@router.get("", responses=_ERRORS)
async def list_tickets(
    store: Store,
    listing: Listing,
    principal: Staff,
    view: Annotated[
        View | None, Query(description="default: the first view the caller's role may open")
    ] = None,
    status_: Annotated[ListParam, Query(alias="status")] = None,
    priority: ListParam = None,
    category: ListParam = None,
    queue: ListParam = None,
    assignee: ListParam = None,
    customer_email: ListParam = None,
    sla_state: Annotated[
        ListParam,
        Query(
            description="the worst state of the ticket's SLA clocks: breached, at_risk, ok, "
            "paused or met"
        ),
    ] = None,
    created_from: Annotated[datetime | None, Query(description="inclusive")] = None,
    created_to: Annotated[datetime | None, Query(description="inclusive")] = None,
    updated_from: Annotated[datetime | None, Query(description="inclusive")] = None,
    updated_to: Annotated[datetime | None, Query(description="inclusive")] = None,
    q: Annotated[
        str | None,
        Query(max_length=500, description="words of the subject and public messages; all match"),
    ] = None,
    sort: Annotated[
        SortName,
        Query(
            description="`priority`: P1 first, then oldest; `sla_due`: the first SLA due time "
            "first, tickets with no running SLA clock last"
        ),
    ] = DEFAULT_SORT,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)] = None,
) -> TicketPage:
    """List tickets of a view, filtered, sorted and paged by an opaque cursor."""
    role = principal.role
    try:
        chosen = resolve_view(role, view)
    except ViewForbidden as forbidden:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(forbidden)) from None
    try:
        filters = parse_filters(
            status=status_,
            priority=priority,
            category=category,
            queue=queue,
            assignee=assignee,
            customer_email=customer_email,
            sla_state=sla_state,
            created_from=created_from,
            created_to=created_to,
            updated_from=updated_from,
            updated_to=updated_to,
            q=q,
        )
        query = TicketQuery(view=chosen, filters=filters, sort=sort, limit=limit)
    except InvalidFilter as bad:
        error = {"type": "value_error", "loc": ("query", bad.field), "msg": str(bad)}
        raise RequestValidationError([{**error, "input": bad.value}]) from None
    try:
        plan = query.plan(principal.id, cursor)
    except InvalidCursor as bad_cursor:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(bad_cursor)) from None
    matches = {v: query.match(principal.id, v) for v in visible_views(role)}
    if listing.ready:  # the query index, once it has caught up with the log
        (docs, position), counts = await asyncio.gather(
            asyncio.to_thread(listing.index.fetch_page, plan),
            asyncio.to_thread(listing.index.count_views, matches),
        )
    else:
        collection = await store.active_collection()
        (docs, position), counts = await asyncio.gather(
            fetch_page(collection, plan), count_views(collection, matches)
        )
    return TicketPage(
        items=[TicketSummaryRead.model_validate(staff_view(doc)) for doc in docs],
        next_cursor=query.encode_cursor(position) if position else None,
        counts=dict(counts),
    )


@router.get(
    "/{ticket_id}/history",
    responses={401: _ERRORS[401], 404: {"description": "no such ticket"}},
)
async def get_ticket_history(
    ticket_id: Annotated[str, Path(max_length=100, description="id or reference (DVK-…)")],
    store: Store,
    _caller: Staff,
) -> TicketHistory:
    """Who did what and when on a ticket, oldest first."""
    history = await ticket_history(await store.active_collection(), ticket_id)
    if history is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such ticket")
    return TicketHistory(items=history)
