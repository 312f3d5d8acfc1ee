"""Similar tickets: earlier tickets only, never by internal notes, statuses kept current."""

from __future__ import annotations

from uuid import UUID, uuid4

from contracts.events import (
    MessagePosted,
    StatusChanged,
    TicketMerged,
    TicketSubmitted,
)
from contracts.values import Customer
from knowledge.adapters.ticket_index import TicketIndex


def _submit(index: TicketIndex, reference: str, subject: str, message: str) -> UUID:
    ticket_id = uuid4()
    index.fold(
        ticket_id,
        TicketSubmitted(
            reference=reference,
            customer=Customer(name="Lin", email="lin@example.com"),
            category="billing",
            priority="P3",
            subject=subject,
            message_id=uuid4(),
            message=message,
            channel="web",
        ),
    )
    return ticket_id


def test_earlier_similar_tickets_come_first_and_later_ones_never() -> None:
    index = TicketIndex()
    twice = _submit(index, "DVK-1", "Charged twice", "My card was charged twice for March.")
    printer = _submit(index, "DVK-2", "Printer on fire", "The printer burns paper.")
    double = _submit(index, "DVK-3", "Double charge", "Two charges on my card this month.")
    later = _submit(index, "DVK-4", "Charged twice again", "Card charged twice, March again.")

    found = index.similar(double)
    assert found is not None
    assert [t.reference for t in found] == ["DVK-1"]
    assert found[0].subject == "Charged twice"
    assert found[0].score > 0
    assert str(later) not in {t.id for t in found}
    assert index.similar(twice) == []  # nothing earlier
    assert printer not in {UUID(t.id) for t in index.similar(later) or []}


def test_internal_notes_never_make_a_ticket_similar() -> None:
    index = TicketIndex()
    noted = _submit(index, "DVK-1", "Login broken", "I cannot sign in.")
    index.fold(
        noted,
        MessagePosted(
            message_id=uuid4(),
            author="agent",
            message="zebra refund escalation secret",
            channel="web",
            internal=True,
        ),
    )
    asking = _submit(index, "DVK-2", "Zebra refund", "zebra refund secret escalation")
    assert index.similar(asking) == []
    index.fold(
        noted,
        MessagePosted(
            message_id=uuid4(),
            author="agent",
            message="A zebra refund is on its way.",
            channel="web",
        ),
    )
    assert [t.reference for t in index.similar(asking) or []] == ["DVK-1"]


def test_status_follows_the_ticket_and_unknown_tickets_are_none() -> None:
    index = TicketIndex()
    first = _submit(index, "DVK-1", "Password reset", "Reset link expired.")
    second = _submit(index, "DVK-2", "Password reset link", "The reset link expired again.")
    index.fold(first, StatusChanged(from_status="new", to_status="resolved"))
    assert [t.status for t in index.similar(second) or []] == ["resolved"]
    index.fold(
        first,
        TicketMerged(into_ticket_id=second, into_reference="DVK-2", from_status="resolved"),
    )
    assert [t.status for t in index.similar(second) or []] == ["closed"]
    assert index.similar(uuid4()) is None
    # A duplicate submission (a replayed record) changes nothing.
    assert len(index) == 2
