"""The agent roster: who may receive tickets, in which queues, how many, and whether now.

The gateway owns staff accounts; it publishes a full snapshot of an account on the agents
topic (keyed by account id, compacted) whenever the account or its availability changes, and
every account's snapshot at start. Routing follows the topic from the beginning, so the
newest snapshot per key is the roster.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from contracts.values import AccountId, Frozen, QueueKey

StaffRole = Literal["admin", "manager", "agent", "engineer", "editor"]
DEFAULT_CAPACITY = 20


class AgentSnapshot(Frozen):
    account_id: AccountId
    name: Annotated[str, Field(max_length=120)]
    # Where notify sends the agent's own mail (assignments, digests).
    email: Annotated[str, Field(max_length=254)] | None = None
    role: StaffRole
    queues: tuple[QueueKey, ...] = ()
    # Deactivated accounts are kept as snapshots so routing forgets them.
    active: bool = True
    # Set by the agent in the console ("available" / "away").
    available: bool = False
    # Most open tickets load-based assignment gives this agent.
    capacity: Annotated[int, Field(ge=0, le=1000)] = DEFAULT_CAPACITY
    updated_at: datetime
