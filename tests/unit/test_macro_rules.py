"""Macro placeholders and who may change a macro (pure)."""

from __future__ import annotations

from contracts.commands import MacroReply, MacroSetStatus
from gateway.macros.rules import fill, may_change, placeholder_values, unknown_placeholders


def test_placeholders_fill_from_the_ticket_and_the_agent() -> None:
    actions = (
        MacroReply(message="Hi {{ customer.name }}, about {{ticket.reference}} — {{agent.name}}"),
        MacroSetStatus(status="on_hold"),
    )
    ticket = {"reference": "DVK-1234", "subject": "Export", "customer": {"name": "Ada"}}
    filled = fill(actions, placeholder_values(ticket, "Ravi"))
    assert filled[0] == MacroReply(message="Hi Ada, about DVK-1234 — Ravi")
    assert filled[1] == actions[1]


def test_unknown_placeholders_are_named() -> None:
    actions = (MacroReply(message="{{customer.nmae}} and {{ticket.reference}}"),)
    assert unknown_placeholders(actions) == ["customer.nmae"]


def test_shared_macros_are_for_managers_and_admins_personal_ones_for_their_owner() -> None:
    assert may_change("shared", "a1", "a2", "manager")
    assert not may_change("shared", "a1", "a1", "agent")
    assert may_change("personal", "a1", "a1", "agent")
    assert not may_change("personal", "a1", "a2", "admin")
