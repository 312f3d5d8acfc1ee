"""What partners publish on `intake.requests`: one request for a ticket per record.

Partners key each record by its idempotency key. The intake service turns a valid request
into a `SubmitTicket` whose ticket and command ids derive from (partner, idempotency key),
so a request delivered or sent twice makes one ticket; an invalid one goes to `intake.dlq`
as a `DeadLetter` with the original payload and the reason.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from contracts.values import Category, Customer, Frozen, MessageText, Priority, Subject

PartnerId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=128)]


class IntakeRequest(Frozen):
    """A partner's request for a ticket (JSON, one per Kafka record)."""

    schema_version: Literal[1] = 1
    partner_id: PartnerId
    # Unique per partner; the same key again is the same request (and the record's key).
    idempotency_key: IdempotencyKey
    customer: Customer
    subject: Subject
    message: MessageText
    category: Category | None = None
    priority: Priority | None = None
