"""A macro's actions as the ordinary commands they stand for.

The aggregate decides them one after another on a working copy of the ticket (see
`ticket._apply_macro`): the first refusal refuses the whole macro, so it changes all or
nothing, and every event it causes carries the macro's one command id.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from contracts.base import Command
from contracts.commands import (
    AddTags,
    ApplyMacro,
    AssignTicket,
    ChangeCategory,
    ChangePriority,
    ChangeStatus,
    MacroAction,
    MacroAddTags,
    MacroAssign,
    MacroReply,
    MacroSetCategory,
    MacroSetPriority,
    MacroSetStatus,
    PostMessage,
)

_STEP_IDS = UUID("3c0f6a8e-2b51-4d7f-9e0a-5d4c7b1e8f20")


def macro_steps(macro: ApplyMacro, command_id: UUID) -> list[tuple[Command, UUID]]:
    """Each action as a command, with a stable id of its own (a reply's message id)."""
    return [
        (_command(action), uuid5(_STEP_IDS, f"{command_id}:{index}"))
        for index, action in enumerate(macro.actions)
    ]


def _command(action: MacroAction) -> Command:
    match action:
        case MacroReply(message=message, internal=internal):
            return PostMessage(author="agent", message=message, internal=internal)
        case MacroSetStatus(status=status, reason=reason):
            return ChangeStatus(status=status, reason=reason)
        case MacroSetPriority(priority=priority):
            return ChangePriority(priority=priority)
        case MacroSetCategory(category=category):
            return ChangeCategory(category=category)
        case MacroAddTags(tags=tags):
            return AddTags(tags=tags)
        case MacroAssign(assignee=assignee, queue=queue):
            return AssignTicket(assignee=assignee, queue=queue)
    raise AssertionError(f"unknown macro action {action!r}")
