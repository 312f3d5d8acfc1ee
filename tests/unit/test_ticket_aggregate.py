"""The Ticket aggregate and the partition writer's command handling, without any I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from contracts.envelopes import CommandEnvelope
from contracts.values import Actor
from tickets.application.partition import Batch, GapInLog, PartitionState, handle
from tickets.domain.references import reference_for
from tickets.domain.ticket import COMMAND_MEMORY, Ticket, remember

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com"}


def clock() -> datetime:
    return NOW


def command(
    ticket_id: UUID,
    type_: str,
    payload: Mapping[str, object],
    command_id: UUID | None = None,
    expected_version: int | None = None,
) -> bytes:
    return (
        CommandEnvelope(
            command_id=command_id or uuid4(),
            type=type_,
            ticket_id=ticket_id,
            issued_at=NOW,
            actor=Actor(kind="customer"),
            correlation_id=uuid4(),
            reply_to="test",
            expected_version=expected_version,
            payload=payload,
        )
        .model_dump_json()
        .encode()
    )


def submit(ticket_id: UUID, command_id: UUID | None = None) -> bytes:
    payload = {"customer": CUSTOMER, "subject": "Cannot log in", "message": "It says no."}
    return command(ticket_id, "ticket.submit", payload, command_id)


def post(ticket_id: UUID, text: str = "any news?", command_id: UUID | None = None) -> bytes:
    payload = {"author": "customer", "message": text}
    return command(ticket_id, "ticket.post_message", payload, command_id)


def run(state: PartitionState, *records: bytes) -> list:  # type: ignore[type-arg]
    batch = Batch(state)
    outcomes = [handle(batch, r, clock) for r in records]
    batch.commit()
    for outcome in outcomes:
        for event in outcome.events:
            assert event.version >= 1
    return outcomes


def test_submit_creates_ticket_at_version_1_with_reference() -> None:
    state = PartitionState(partition=2, partitions=6)
    ticket_id = uuid4()
    (outcome,) = run(state, submit(ticket_id))
    assert [e.version for e in outcome.events] == [1]
    assert outcome.events[0].type == "ticket.submitted"
    assert outcome.reply.outcome == "accepted"
    assert outcome.reply.reference == "DVK-1002"
    assert state.tickets[ticket_id].version == 1


def test_versions_rise_by_exactly_one_per_event() -> None:
    state = PartitionState(partition=0, partitions=6)
    ticket_id = uuid4()
    outcomes = run(state, submit(ticket_id), post(ticket_id), post(ticket_id), post(ticket_id))
    assert [e.version for o in outcomes for e in o.events] == [1, 2, 3, 4]


def test_retried_command_id_answers_as_before_and_appends_nothing() -> None:
    state = PartitionState(partition=0, partitions=6)
    ticket_id, submit_id, post_id = uuid4(), uuid4(), uuid4()
    run(state, submit(ticket_id, submit_id), post(ticket_id, command_id=post_id))
    again = run(state, submit(ticket_id, submit_id), post(ticket_id, command_id=post_id))
    assert [o.events for o in again] == [[], []]
    assert [(o.reply.outcome, o.reply.version) for o in again] == [("accepted", 1), ("accepted", 2)]
    assert state.tickets[ticket_id].version == 2


def test_retry_within_the_same_batch_is_also_recognised() -> None:
    state = PartitionState(partition=0, partitions=6)
    ticket_id, post_id = uuid4(), uuid4()
    outcomes = run(
        state,
        submit(ticket_id),
        post(ticket_id, command_id=post_id),
        post(ticket_id, command_id=post_id),
    )
    assert [len(o.events) for o in outcomes] == [1, 1, 0]


def test_second_submit_with_another_command_id_is_a_conflict() -> None:
    state = PartitionState(partition=0, partitions=6)
    ticket_id = uuid4()
    _, second = run(state, submit(ticket_id), submit(ticket_id))
    assert second.events == []
    assert (second.reply.outcome, second.reply.code) == ("rejected", "conflict")


def test_message_to_unknown_ticket_is_rejected_not_found() -> None:
    (outcome,) = run(PartitionState(partition=0, partitions=6), post(uuid4()))
    assert (outcome.reply.outcome, outcome.reply.code) == ("rejected", "not_found")
    assert outcome.dead_letter_reason is None


def test_expected_version_mismatch_is_rejected() -> None:
    state = PartitionState(partition=0, partitions=6)
    ticket_id = uuid4()
    run(state, submit(ticket_id))
    payload = {"author": "agent", "message": "hi"}
    (outcome,) = run(state, command(ticket_id, "ticket.post_message", payload, expected_version=5))
    assert outcome.reply.code == "conflict"
    assert "version 1" in outcome.reply.reason


def test_malformed_record_is_dead_lettered_with_reason() -> None:
    (outcome,) = run(PartitionState(partition=0, partitions=6), b"\xff not json")
    assert outcome.events == []
    assert outcome.reply is None
    assert "invalid command envelope" in outcome.dead_letter_reason


def test_schema_invalid_command_is_dead_lettered_and_rejected() -> None:
    ticket_id = uuid4()
    bad = command(ticket_id, "ticket.submit", {"customer": CUSTOMER, "subject": ""})
    (outcome,) = run(PartitionState(partition=0, partitions=6), bad)
    assert outcome.events == []
    assert outcome.reply.code == "invalid"
    assert "subject" in outcome.dead_letter_reason
    assert "message" in outcome.dead_letter_reason


def test_unknown_command_type_is_dead_lettered() -> None:
    (outcome,) = run(
        PartitionState(partition=0, partitions=6), command(uuid4(), "ticket.explode", {})
    )
    assert "unknown message type 'ticket.explode'" in outcome.dead_letter_reason


def test_rebuild_from_events_gives_the_writers_state() -> None:
    live = PartitionState(partition=1, partitions=6)
    ticket_ids = [uuid4() for _ in range(3)]
    outcomes = run(live, *[submit(t) for t in ticket_ids], post(ticket_ids[0]), post(ticket_ids[2]))
    rebuilt = PartitionState(partition=1, partitions=6)
    for outcome in outcomes:
        for event in outcome.events:
            rebuilt.apply(event)
    assert rebuilt.tickets == live.tickets
    assert rebuilt.submitted == live.submitted == 3


def test_rebuild_refuses_a_gap() -> None:
    state = PartitionState(partition=0, partitions=6)
    ticket_id = uuid4()
    outcomes = run(state, submit(ticket_id), post(ticket_id), post(ticket_id))
    rebuilt = PartitionState(partition=0, partitions=6)
    rebuilt.apply(outcomes[0].events[0])
    with pytest.raises(GapInLog):
        rebuilt.apply(outcomes[2].events[0])


def test_uncommitted_batch_leaves_state_untouched() -> None:
    state = PartitionState(partition=0, partitions=6)
    batch = Batch(state)
    handle(batch, submit(uuid4()), clock)
    assert state.tickets == {}
    assert state.submitted == 0


def test_same_command_yields_same_event_ids_when_processed_again() -> None:
    ticket_id, command_id = uuid4(), uuid4()
    first = run(PartitionState(partition=0, partitions=6), submit(ticket_id, command_id))
    second = run(PartitionState(partition=0, partitions=6), submit(ticket_id, command_id))
    assert first[0].events[0].event_id == second[0].events[0].event_id


def test_references_are_unique_across_partitions() -> None:
    refs = {reference_for(p, n, 6) for p in range(6) for n in range(500)}
    assert len(refs) == 3000
    with pytest.raises(ValueError, match="outside"):
        reference_for(6, 0, 6)


def test_command_memory_is_bounded() -> None:
    ticket = Ticket(ticket_id=uuid4(), reference="DVK-1000", version=0, status="new")
    first = uuid4()
    ticket = remember(ticket, first)
    for _ in range(COMMAND_MEMORY):
        ticket = remember(ticket, uuid4())
    assert len(ticket.recent_commands) == COMMAND_MEMORY
    assert ticket.version_after(first) is None
