"""Console notifications: what one staff member should see at once, pushed live.

Notify decides and keeps them (its feed API serves the history and the unread count) and
publishes each on the notifications topic keyed by account id; every gateway replica follows
the topic and passes an item to that account's open consoles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.values import AccountId, Frozen

NotificationKind = Literal["assigned", "customer_replied", "sla_at_risk", "sla_breached"]


class ConsoleNotification(Frozen):
    # Notify's idempotency key of the item: the same item published twice is one item.
    key: Annotated[str, Field(min_length=1, max_length=300)]
    account_id: AccountId
    kind: NotificationKind
    ticket_id: UUID
    reference: Annotated[str, Field(max_length=40)]
    subject: Annotated[str, Field(max_length=200)]
    text: Annotated[str, Field(max_length=500)]
    created_at: datetime
    # The account's unread items after this one, as notify counted them.
    unread: Annotated[int, Field(ge=0)]
