"""Who is looking at or typing on a ticket right now: short-lived signals between consoles.

Not ticket events (nothing about the ticket changes, and nothing is kept): a gateway
publishes an agent's signal on the presence topic, and every gateway replica passes it to
its connected staff, so two agents on different replicas still see each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.values import Frozen

# viewing: has the ticket open (repeated while it stays open); typing: is writing a reply or
# note; left: closed the ticket.
Activity = Literal["viewing", "typing", "left"]


class PresenceSignal(Frozen):
    ticket_id: UUID
    agent_id: Annotated[str, Field(min_length=1, max_length=64)]
    agent_name: Annotated[str, Field(max_length=120)]
    activity: Activity
    at: datetime
