"""Macros on the Ticket aggregate: every action applies in order, or none does."""

from __future__ import annotations

from uuid import uuid4

import pytest

from contracts.commands import (
    ApplyMacro,
    MacroAddTags,
    MacroAssign,
    MacroReply,
    MacroSetPriority,
    MacroSetStatus,
)
from contracts.events import (
    MessagePosted,
    PriorityChanged,
    StatusChanged,
    TagsAdded,
    TicketAssigned,
)
from tickets.domain.ticket import Rejected, Ticket, decide


def ticket() -> Ticket:
    return Ticket(ticket_id=uuid4(), reference="DVK-1000", version=2, status="open")


def test_a_macro_applies_every_action_in_order() -> None:
    macro = ApplyMacro(
        macro_id="m-1",
        macro_name="Ask for logs",
        actions=(
            MacroReply(message="Hello Ada, could you send the logs for DVK-1000?"),
            MacroReply(message="Asked for logs", internal=True),
            MacroSetStatus(status="on_hold", reason="waiting for logs"),
            MacroSetPriority(priority="P2"),
            MacroAddTags(tags=("logs-requested",)),
            MacroAssign(queue="technical"),
        ),
    )
    events = decide(ticket(), macro, uuid4(), "x")
    assert [type(e) for e in events] == [
        MessagePosted, MessagePosted, StatusChanged, PriorityChanged, TagsAdded, TicketAssigned
    ]  # fmt: skip
    reply, note = events[0], events[1]
    assert isinstance(reply, MessagePosted)
    assert isinstance(note, MessagePosted)
    assert not reply.internal
    assert note.internal
    assert reply.message_id != note.message_id


def test_message_ids_are_stable_for_a_retried_macro() -> None:
    macro = ApplyMacro(macro_id="m", macro_name="Thanks", actions=(MacroReply(message="Thanks!"),))
    command_id = uuid4()
    first = decide(ticket(), macro, command_id, "x")
    again = decide(ticket(), macro, command_id, "x")
    assert first == again


def test_a_refused_step_refuses_the_whole_macro_and_says_why() -> None:
    macro = ApplyMacro(
        macro_id="m-2",
        macro_name="Close and reopen",
        actions=(
            MacroReply(message="Closing this."),
            MacroSetStatus(status="closed"),
            MacroSetStatus(status="open"),
        ),
    )
    with pytest.raises(Rejected) as refused:
        decide(ticket(), macro, uuid4(), "x")
    assert "step 3" in refused.value.reason
    assert "Close and reopen" in refused.value.reason
    assert "closed" in refused.value.reason
