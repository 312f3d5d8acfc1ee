"""Merging a duplicate ticket: the writer's rules, the handover command, the read model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts.envelopes import EventEnvelope
from contracts.values import Actor, Attachment
from gateway.domain.merge import MAX_MERGED_BYTES, MergeRefused, attachment_ids, plan_merge
from gateway.domain.ticket_view import apply_event, public_view
from tickets.application.partition import PartitionState
from unit.test_ticket_aggregate import NOW, command, run, submit

DUPLICATE, TARGET = uuid4(), uuid4()


def merge_payload(into: UUID = TARGET, text: str = "It says no.") -> dict[str, Any]:
    message = {
        "message_id": str(uuid4()),
        "author": "customer",
        "written_by": "Ada Lovelace",
        "message": text,
        "posted_at": NOW.isoformat(),
    }
    return {"into_ticket_id": str(into), "into_reference": "DVK-1006", "messages": [message]}


def merge(into: UUID = TARGET, expected: int | None = 1, command_id: UUID | None = None) -> bytes:
    return command(
        DUPLICATE, "ticket.merge", merge_payload(into), command_id, expected_version=expected
    )


def test_merge_closes_the_duplicate_and_hands_its_thread_to_the_target() -> None:
    state = PartitionState(partition=0, partitions=6)
    run(state, submit(DUPLICATE))
    [outcome] = run(state, merge())
    assert [e.type for e in outcome.events] == ["ticket.merged"]
    assert outcome.events[0].payload["from_status"] == "new"
    assert state.tickets[DUPLICATE].status == "closed"
    [handover] = outcome.commands
    assert (handover.type, handover.ticket_id) == ("ticket.receive_merged_thread", TARGET)
    assert handover.payload["from_ticket_id"] == str(DUPLICATE)
    assert handover.payload["messages"][0]["message"] == "It says no."
    assert outcome.reply.outcome == "accepted"
    assert outcome.reply.follow_up_ticket_id is None


def test_the_handover_has_the_same_id_when_the_merge_is_processed_again() -> None:
    command_id = uuid4()
    first, second = PartitionState(0, 6), PartitionState(0, 6)
    for state in (first, second):
        run(state, submit(DUPLICATE))
    [a] = run(first, merge(command_id=command_id))
    [b] = run(second, merge(command_id=command_id))
    assert a.commands[0].command_id == b.commands[0].command_id


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (lambda: merge(into=DUPLICATE), "invalid"),  # into itself
        (lambda: merge(expected=None), "invalid"),  # without the version it copied
        (lambda: merge(expected=0), "conflict"),  # the duplicate changed since the copy
    ],
)
def test_merges_that_are_refused(record: Any, code: str) -> None:
    state = PartitionState(partition=0, partitions=6)
    run(state, submit(DUPLICATE))
    [outcome] = run(state, record())
    assert (outcome.reply.outcome, outcome.reply.code) == ("rejected", code)
    assert outcome.events == []
    assert outcome.commands == []
    assert state.tickets[DUPLICATE].status == "new"


def test_a_closed_ticket_cannot_merge_again() -> None:
    state = PartitionState(partition=0, partitions=6)
    run(state, submit(DUPLICATE), merge())
    [again] = run(state, merge(expected=2))
    assert (again.reply.outcome, again.reply.code) == ("rejected", "closed")


def test_the_target_takes_the_thread_and_a_refused_handover_is_dead_lettered() -> None:
    [done] = run(PartitionState(0, 6), submit(DUPLICATE), merge())[-1:]
    handover = _without_reply(done.commands[0])
    target_state = PartitionState(partition=1, partitions=6)
    run(target_state, submit(TARGET))
    [received] = run(target_state, handover)
    assert [e.type for e in received.events] == ["ticket.thread_merged"]
    assert target_state.tickets[TARGET].version == 2
    # Nobody waits for the handover: a refusal (here: no such target) must leave a trace.
    [lost] = run(PartitionState(1, 6), handover)
    assert lost.events == []
    assert lost.dead_letter_reason is not None
    assert "not_found" in lost.dead_letter_reason


def _without_reply(envelope: Any) -> bytes:
    raw: bytes = envelope.model_copy(update={"reply_to": None}).model_dump_json().encode()
    return raw


# --- the read model -------------------------------------------------------------------------


def envelope(ticket: UUID, version: int, type_: str, payload: dict[str, Any]) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid4(),
        type=type_,
        ticket_id=ticket,
        version=version,
        occurred_at=NOW + timedelta(minutes=version),
        actor=Actor(kind="agent", id="agent-1"),
        command_id=uuid4(),
        correlation_id=uuid4(),
        causation_id=uuid4(),
        payload=payload,
    )


def submitted(ticket: UUID, reference: str) -> EventEnvelope:
    payload = {
        "reference": reference,
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "category": "general",
        "priority": "P3",
        "subject": "Cannot log in",
        "message_id": str(uuid4()),
        "message": "first words",
        "channel": "web",
    }
    return envelope(ticket, 1, "ticket.submitted", payload)


def test_the_read_model_moves_messages_in_time_order_and_hides_moved_notes() -> None:
    target = apply_event(None, submitted(TARGET, "DVK-1006"))
    assert target is not None
    early = (NOW - timedelta(hours=1)).isoformat()
    messages = [
        {"message_id": str(uuid4()), "author": "customer", "message": "zebra crossing",
         "posted_at": early},
        {"message_id": str(uuid4()), "author": "agent", "message": "secret note",
         "internal": True, "posted_at": (NOW + timedelta(hours=1)).isoformat()},
    ]  # fmt: skip
    payload = {"from_ticket_id": str(DUPLICATE), "from_reference": "DVK-1000", "messages": messages}
    merged = apply_event(target, envelope(TARGET, 2, "ticket.thread_merged", payload))
    assert merged is not None
    assert [m["message"] for m in merged["thread"]] == [
        "zebra crossing", "first words", "secret note"
    ]  # fmt: skip
    assert merged["merged_from"] == [{"id": str(DUPLICATE), "reference": "DVK-1000"}]
    assert "zebra" in merged["terms"]
    assert "secret" not in merged["terms"]
    assert "secret note" not in str(public_view(merged))
    assert all("messages" not in h["change"] for h in merged["history"])
    # Applying the same event again changes nothing (idempotent by version).
    assert apply_event(merged, envelope(TARGET, 2, "ticket.thread_merged", payload)) is None


def test_the_duplicate_reads_closed_with_a_link() -> None:
    duplicate = apply_event(None, submitted(DUPLICATE, "DVK-1000"))
    payload = {"into_ticket_id": str(TARGET), "into_reference": "DVK-1006", "from_status": "new"}
    closed = apply_event(duplicate, envelope(DUPLICATE, 2, "ticket.merged", payload))
    assert closed is not None
    assert closed["status"] == "closed"
    assert closed["merged_into"] == {"id": str(TARGET), "reference": "DVK-1006"}


# --- what the gateway asks for --------------------------------------------------------------


def view(ticket: UUID, reference: str, status: str = "open", **extra: Any) -> dict[str, Any]:
    thread = [
        {
            "id": str(uuid4()),
            "from": "customer",
            "message": "help",
            "internal": False,
            "author": "Ada",
            "channel": "web",
            "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        }
    ]
    return {"id": str(ticket), "reference": reference, "status": status, "thread": thread,
            "version": 4, **extra}  # fmt: skip


def test_plan_copies_the_thread() -> None:
    command = plan_merge(view(DUPLICATE, "DVK-1000"), view(TARGET, "DVK-1006"))
    assert command.into_ticket_id == TARGET
    assert command.into_reference == "DVK-1006"
    assert [m.message for m in command.messages] == ["help"]
    assert command.messages[0].written_by == "Ada"


@pytest.mark.parametrize(
    ("duplicate", "target", "status"),
    [
        (view(DUPLICATE, "DVK-1000"), view(DUPLICATE, "DVK-1000"), 422),
        (view(DUPLICATE, "DVK-1000", "closed"), view(TARGET, "DVK-1006"), 409),
        (view(DUPLICATE, "DVK-1000"), view(TARGET, "DVK-1006", "closed"), 409),
    ],
)
def test_plan_refuses(duplicate: dict[str, Any], target: dict[str, Any], status: int) -> None:
    with pytest.raises(MergeRefused) as refused:
        plan_merge(duplicate, target)
    assert refused.value.status == status


def test_plan_refuses_threads_too_long_or_too_large() -> None:
    long = view(DUPLICATE, "DVK-1000")
    long["thread"] = long["thread"] * 41
    with pytest.raises(MergeRefused, match="41 messages"):
        plan_merge(long, view(TARGET, "DVK-1006"))
    large = view(DUPLICATE, "DVK-1000")
    large["thread"] = [{**large["thread"][0], "message": "x" * 20_000}] * 35
    with pytest.raises(MergeRefused, match=f"at most {MAX_MERGED_BYTES}"):
        plan_merge(large, view(TARGET, "DVK-1006"))


def test_plan_carries_the_files_still_in_storage_and_the_target_lists_them() -> None:
    kept, gone = uuid4(), uuid4()
    duplicate = view(DUPLICATE, "DVK-1000")
    duplicate["thread"][0]["attachments"] = [
        {"attachment_id": str(i), "filename": "log.txt", "content_type": "text/plain", "size": 3}
        for i in (kept, gone)
    ]
    assert attachment_ids(duplicate["thread"]) == [kept, gone]
    described = Attachment(
        attachment_id=kept, filename="log.txt", content_type="text/plain", size=3,
        sha256="a" * 64,
    )  # fmt: skip
    command = plan_merge(duplicate, view(TARGET, "DVK-1006"), {kept: described})
    assert command.messages[0].attachments == (described,)  # the deleted file is left out
    target = apply_event(None, submitted(TARGET, "DVK-1006"))
    assert target is not None
    payload = {
        "from_ticket_id": str(DUPLICATE),
        "from_reference": "DVK-1000",
        "messages": [m.model_dump(mode="json") for m in command.messages],
    }
    merged = apply_event(target, envelope(TARGET, 2, "ticket.thread_merged", payload))
    assert merged is not None
    moved = next(m for m in merged["thread"] if m.get("merged_from") == "DVK-1000")
    assert moved["attachments"] == [
        {"attachment_id": str(kept), "filename": "log.txt", "content_type": "text/plain",
         "size": 3}
    ]  # fmt: skip
    assert "sha256" not in str(moved)


def test_a_merge_recorded_before_files_moved_still_reads() -> None:
    # ticket.thread_merged events written before MergedMessage had `attachments`.
    target = apply_event(None, submitted(TARGET, "DVK-1006"))
    old = {"message_id": str(uuid4()), "author": "customer", "message": "old words",
           "posted_at": NOW.isoformat()}  # fmt: skip
    payload = {"from_ticket_id": str(DUPLICATE), "from_reference": "DVK-1000", "messages": [old]}
    merged = apply_event(target, envelope(TARGET, 2, "ticket.thread_merged", payload))
    assert merged is not None
    moved = next(m for m in merged["thread"] if m["message"] == "old words")
    assert "attachments" not in moved
