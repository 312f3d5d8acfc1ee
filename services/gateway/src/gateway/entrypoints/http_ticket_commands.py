"""The agents' write API: status, assignment, priority/category/tags, escalation, merge.

Every route turns its body into one or more commands for the tickets service; the lifecycle
rules live there (`tickets.domain.lifecycle`), so an invalid transition comes back as 409
with the reason.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, status

from contracts.base import Command
from contracts.commands import (
    AddTags,
    AssignTicket,
    ChangeCategory,
    ChangePriority,
    ChangeStatus,
    EscalateTicket,
    RemoveTags,
    UnassignTicket,
)
from contracts.envelopes import CommandReply
from gateway.access import AnyStaff, Principal
from gateway.domain.merge import MergeRefused, attachment_ids, plan_merge
from gateway.entrypoints.dependencies import Bus, Settings, Store, dispatch
from gateway.entrypoints.http_attachments import AttachmentFiles
from gateway.schemas import (
    AssignmentUpdate,
    EscalationCreate,
    MergeCreate,
    StatusUpdate,
    TicketChanged,
    TicketLink,
    TicketMergeDone,
    TicketUpdate,
)
from gateway.settings import GatewaySettings
from kit.command_bus import CommandBus

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets: agents"])


@router.patch("/{ticket_id}/status")
async def change_status(
    ticket_id: UUID, body: StatusUpdate, bus: Bus, settings: Settings, staff: AnyStaff
) -> TicketChanged:
    command = ChangeStatus(status=body.status, reason=body.reason)
    return await _send(bus, settings, staff, ticket_id, [command])


@router.patch("/{ticket_id}/assign")
async def assign(
    ticket_id: UUID, body: AssignmentUpdate, bus: Bus, settings: Settings, staff: AnyStaff
) -> TicketChanged:
    if body.assignee is None and body.queue is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "name an assignee or a queue")
    command = AssignTicket(assignee=body.assignee, queue=body.queue)
    return await _send(bus, settings, staff, ticket_id, [command])


@router.delete("/{ticket_id}/assign")
async def unassign(ticket_id: UUID, bus: Bus, settings: Settings, staff: AnyStaff) -> TicketChanged:
    return await _send(bus, settings, staff, ticket_id, [UnassignTicket()])


@router.patch("/{ticket_id}")
async def update(
    ticket_id: UUID, body: TicketUpdate, bus: Bus, settings: Settings, staff: AnyStaff
) -> TicketChanged:
    commands: list[Command] = []
    if body.priority is not None:
        commands.append(ChangePriority(priority=body.priority))
    if body.category is not None:
        commands.append(ChangeCategory(category=body.category))
    if body.add_tags:
        commands.append(AddTags(tags=body.add_tags))
    if body.remove_tags:
        commands.append(RemoveTags(tags=body.remove_tags))
    if not commands:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "nothing to change")
    return await _send(bus, settings, staff, ticket_id, commands)


@router.post("/{ticket_id}/escalate")
async def escalate(
    ticket_id: UUID, body: EscalationCreate, bus: Bus, settings: Settings, staff: AnyStaff
) -> TicketChanged:
    command = EscalateTicket(reason=body.reason, tier=body.tier)
    return await _send(bus, settings, staff, ticket_id, [command])


@router.post("/{ticket_id}/merge")
async def merge(
    ticket_id: UUID,
    body: MergeCreate,
    bus: Bus,
    store: Store,
    settings: Settings,
    staff: AnyStaff,
    files: AttachmentFiles,
) -> TicketMergeDone:
    """Merge this ticket (a duplicate) into `into`: its thread moves there and it closes."""
    duplicate = await store.get(ticket_id)
    if duplicate is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such ticket")
    target = await store.get(body.into)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {body.into} to merge into")
    described = [await files.describe(i) for i in attachment_ids(duplicate["thread"])]
    try:
        command = plan_merge(duplicate, target, {a.attachment_id: a for a in described if a})
    except MergeRefused as refused:
        raise HTTPException(refused.status, refused.reason) from None
    reply = await dispatch(
        bus,
        settings,
        command,
        ticket_id,
        uuid4(),
        staff.actor("agent"),
        expected_version=duplicate["version"],
    )
    return TicketMergeDone(
        id=ticket_id,
        reference=reply.reference,
        version=reply.version,
        merged_into=TicketLink(id=target["id"], reference=target["reference"]),
    )


async def _send(
    bus: CommandBus,
    settings: GatewaySettings,
    staff: Principal,
    ticket_id: UUID,
    commands: list[Command],
) -> TicketChanged:
    """Send the commands one after the other; the first refusal stops the rest."""
    reply: CommandReply | None = None
    for command in commands:
        reply = await dispatch(bus, settings, command, ticket_id, uuid4(), staff.actor("agent"))
    assert reply is not None
    return TicketChanged(id=ticket_id, reference=reply.reference, version=reply.version)
