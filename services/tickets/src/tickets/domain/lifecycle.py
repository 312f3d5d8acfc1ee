"""The ticket lifecycle: which status may follow which. The one table of allowed transitions.

    new ─► open ─► in_progress ─► on_hold ─► escalated ─► resolved ─► closed

| from \\ to   | open | in_progress | on_hold | escalated | resolved | closed |
| ----------- | ---- | ----------- | ------- | --------- | -------- | ------ |
| new         | yes  | yes         | yes     | yes       | yes      | yes    |
| open        |      | yes         | yes     | yes       | yes      | yes    |
| in_progress | yes  |             | yes     | yes       | yes      | yes    |
| on_hold     | yes  | yes         |         | yes       | yes      | yes    |
| escalated   | yes  | yes         | yes     |           | yes      | yes    |
| resolved    | yes  |             |         |           |          | yes    |
| closed      |      |             |         |           |          |        |

Nothing goes back to `new`; `resolved` only reopens or closes; `closed` is final (a customer
writing to a closed ticket gets a follow-up ticket instead).
"""

from __future__ import annotations

from contracts.values import TicketStatus

_WORKING: frozenset[TicketStatus] = frozenset(
    {"open", "in_progress", "on_hold", "escalated", "resolved", "closed"}
)

ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    "new": _WORKING,
    "open": _WORKING - {"open"},
    "in_progress": _WORKING - {"in_progress"},
    "on_hold": _WORKING - {"on_hold"},
    "escalated": _WORKING - {"escalated"},
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}

# A customer's message brings these back to an agent's desk.
REOPENED_BY_CUSTOMER: frozenset[TicketStatus] = frozenset({"on_hold", "resolved"})


def may_move(current: TicketStatus, target: TicketStatus) -> bool:
    return target in ALLOWED[current]


def why_not(current: TicketStatus, target: TicketStatus) -> str:
    if current == "closed":
        return "the ticket is closed, which is final"
    allowed = ", ".join(sorted(ALLOWED[current])) or "nothing"
    return f"a ticket cannot go from {current} to {target} (from {current}: {allowed})"
