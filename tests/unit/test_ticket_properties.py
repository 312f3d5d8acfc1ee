"""Property: any sequence of commands keeps every ticket on allowed transitions, versions
contiguous, and a rebuild from its events equal to the writer's state."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.envelopes import CommandEnvelope, EventEnvelope
from contracts.events import StatusChanged, TicketEscalated, TicketMerged, TicketRated
from contracts.registry import decode_event
from contracts.values import Actor, TicketStatus
from tickets.application.partition import Batch, PartitionState, handle
from tickets.domain.lifecycle import may_move

NOW = datetime(2026, 11, 24, tzinfo=UTC)
TICKET = UUID("00000000-0000-4000-8000-000000000001")
OTHER = UUID("00000000-0000-4000-8000-000000000002")
STATUSES = ["new", "open", "in_progress", "on_hold", "escalated", "resolved", "closed"]

payloads = st.one_of(
    st.builds(
        lambda: (
            "ticket.submit",
            {"customer": {"name": "P", "email": "p@example.com"}, "subject": "s", "message": "m"},
        )
    ),
    st.sampled_from(["customer", "agent"]).map(
        lambda who: ("ticket.post_message", {"author": who, "message": "hi"})
    ),
    st.sampled_from(STATUSES).map(lambda s: ("ticket.change_status", {"status": s})),
    st.sampled_from(["L2", "engineering"]).map(
        lambda tier: ("ticket.escalate", {"reason": "hot", "tier": tier})
    ),
    st.sampled_from(["P1", "P2", "P3", "P4"]).map(
        lambda p: ("ticket.change_priority", {"priority": p})
    ),
    st.sampled_from(["vip", "refund"]).map(lambda t: ("ticket.add_tags", {"tags": [t]})),
    st.sampled_from(["vip", "refund"]).map(lambda t: ("ticket.remove_tags", {"tags": [t]})),
    st.sampled_from(["a1", "a2"]).map(lambda a: ("ticket.assign", {"assignee": a})),
    st.just(("ticket.unassign", {})),
    st.sampled_from(["good", "bad"]).map(lambda r: ("ticket.rate", {"rating": r})),
    # A merge names the version it copied; a guess from 0 to 6 is sometimes the right one.
    st.integers(min_value=0, max_value=6).map(
        lambda v: (
            "ticket.merge",
            {"into_ticket_id": str(OTHER), "into_reference": "DVK-1006", "expected": v},
        )
    ),
)


def _envelope(type_: str, payload: dict[str, object], command_id: UUID) -> bytes:
    payload = dict(payload)
    expected = payload.pop("expected", None)
    return (
        CommandEnvelope(
            command_id=command_id,
            type=type_,
            ticket_id=TICKET,
            issued_at=NOW,
            actor=Actor(kind="agent", id="a1"),
            correlation_id=command_id,
            reply_to="prop",
            expected_version=expected,
            payload=payload,
        )
        .model_dump_json()
        .encode()
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(payloads, st.booleans()), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=8),
)
def test_random_command_sequences_keep_the_invariants(
    steps: list[tuple[tuple[str, dict[str, object]], bool]], batch_size: int
) -> None:
    state = PartitionState(partition=0, partitions=6)
    log: list[EventEnvelope] = []
    sent: list[bytes] = []
    for (type_, payload), retry in steps:
        record = sent[-1] if retry and sent else _envelope(type_, payload, uuid4())
        sent.append(record)
    for start in range(0, len(sent), batch_size):
        batch = Batch(state)
        for record in sent[start : start + batch_size]:
            log.extend(handle(batch, record, lambda: NOW).events)
        batch.commit()

    assert [e.version for e in log] == list(range(1, len(log) + 1))
    assert len({e.command_id for e in log if e.type == "ticket.submitted"}) <= 1
    status: TicketStatus = "new"
    for envelope in log:
        event = decode_event(envelope)
        if isinstance(event, StatusChanged):
            assert event.from_status == status
            assert may_move(status, event.to_status), (status, event.to_status)
            status = event.to_status
        elif isinstance(event, TicketEscalated):
            assert status == "escalated" or may_move(status, "escalated")
            status = "escalated"
        elif isinstance(event, TicketMerged):  # a duplicate closes from any open status
            assert status != "closed"
            status = "closed"
        elif isinstance(event, TicketRated):
            assert status == "resolved"
    rebuilt = PartitionState(partition=0, partitions=6)
    for envelope in log:
        rebuilt.apply(envelope)
    assert rebuilt.tickets == state.tickets
    if log:
        assert state.tickets[TICKET].status == status
