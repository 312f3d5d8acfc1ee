"""Macros: list, create, change and delete them; apply one to a ticket in one step.

Applying fills the placeholders from the ticket and the agent, then sends a single
`ApplyMacro` command: the tickets service applies every action or none (409 with the step
that was refused).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, status

from contracts.commands import ApplyMacro
from gateway.access import AnyStaff, Principal
from gateway.entrypoints.dependencies import Bus, Settings, Store, dispatch
from gateway.macros.rules import (
    PLACEHOLDERS,
    Macro,
    fill,
    may_change,
    may_see,
    placeholder_values,
    unknown_placeholders,
)
from gateway.macros.schemas import MacroActions, MacroCreate, MacroOut, MacroUpdate
from gateway.macros.store import MacroStore
from gateway.schemas import ERROR_RESPONSES, TicketChanged

router = APIRouter(tags=["macros"], responses=ERROR_RESPONSES)


async def _macros(request: Request) -> MacroStore:
    store: MacroStore = request.app.state.macros
    return store


Macros = Annotated[MacroStore, Depends(_macros)]


@router.get("/api/v1/macros")
async def list_macros(macros: Macros, staff: AnyStaff) -> list[MacroOut]:
    """The shared macros and the caller's personal ones, by name."""
    assert staff.id is not None
    return [MacroOut.of(m) for m in await macros.visible_to(staff.id)]


@router.post("/api/v1/macros", status_code=status.HTTP_201_CREATED)
async def create_macro(body: MacroCreate, macros: Macros, staff: AnyStaff) -> MacroOut:
    assert staff.id is not None
    if not may_change(body.scope, staff.id, staff.id, staff.role):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only managers and admins share macros")
    _check_placeholders(body.actions)
    made = await macros.create(body.name, body.scope, staff.id, body.actions, datetime.now(UTC))
    return MacroOut.of(made)


@router.patch("/api/v1/macros/{macro_id}")
async def update_macro(
    macro_id: str, body: MacroUpdate, macros: Macros, staff: AnyStaff
) -> MacroOut:
    await _changeable(macros, macro_id, staff)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if body.actions is not None:
        _check_placeholders(body.actions)
        changes["actions"] = body.actions
    if not changes:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "nothing to change")
    updated = await macros.update(macro_id, changes, datetime.now(UTC))
    if updated is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such macro")
    return MacroOut.of(updated)


@router.delete("/api/v1/macros/{macro_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_macro(macro_id: str, macros: Macros, staff: AnyStaff) -> None:
    await _changeable(macros, macro_id, staff)
    await macros.delete(macro_id)


@router.post("/api/v1/tickets/{ticket_id}/macros/{macro_id}")
async def apply_macro(
    ticket_id: UUID,
    macro_id: str,
    macros: Macros,
    store: Store,
    bus: Bus,
    settings: Settings,
    staff: AnyStaff,
) -> TicketChanged:
    """Apply every action of the macro to the ticket, or none (409 says which step failed)."""
    macro = await _visible(macros, macro_id, staff)
    # A ticket submitted a moment ago may not be in the read model yet: wait a little for it.
    ticket = await store.get(ticket_id) or await store.wait_for_version(
        ticket_id, 1, settings.read_wait_s
    )
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such ticket")
    actions = fill(macro.actions, placeholder_values(ticket, staff.name))
    command = ApplyMacro(macro_id=macro.id, macro_name=macro.name, actions=actions)
    reply = await dispatch(bus, settings, command, ticket_id, uuid4(), staff.actor("agent"))
    return TicketChanged(id=ticket_id, reference=reply.reference, version=reply.version)


def _check_placeholders(actions: MacroActions) -> None:
    unknown = unknown_placeholders(actions)
    if unknown:
        known = ", ".join("{{" + p + "}}" for p in PLACEHOLDERS)
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown placeholders: {', '.join(unknown)} (known: {known})",
        )


async def _visible(macros: MacroStore, macro_id: str, staff: Principal) -> Macro:
    macro = await macros.get(macro_id)
    if macro is None or staff.id is None or not may_see(macro, staff.id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such macro")
    return macro


async def _changeable(macros: MacroStore, macro_id: str, staff: Principal) -> Macro:
    macro = await _visible(macros, macro_id, staff)
    assert staff.id is not None
    if not may_change(macro.scope, macro.owner, staff.id, staff.role):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only managers and admins change shared macros"
        )
    return macro
