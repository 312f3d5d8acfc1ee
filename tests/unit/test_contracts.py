"""Contracts: stable type names, upcasting of old versions, exported schemas in sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts import export
from contracts.commands import COMMAND_TYPES, SubmitTicket
from contracts.events import EVENT_TYPES
from contracts.registry import Registry, UndecodableMessage
from contracts.topics import ALL_TOPICS, FOREVER, TICKET_COMMANDS, TICKET_EVENTS

CUSTOMER = {"name": "Ada", "email": "ada@example.com"}


def test_exported_schemas_match_the_models() -> None:
    """Fails when a model changed without `make contracts`."""
    committed = {p.name: p.read_text() for p in export.SCHEMA_DIR.glob("*.json")}
    assert committed == export.rendered(), "run `make contracts` and commit contracts/schemas/"


def test_type_names_are_explicit_dotted_and_unique() -> None:
    names = [*(m.TYPE for m in COMMAND_TYPES), *(m.TYPE for m in EVENT_TYPES)]
    assert len(names) == len(set(names))
    assert all(n.startswith("ticket.") and "." in n and ":" not in n for n in names)


def test_old_schema_version_is_upcast_on_read() -> None:
    class SubmitTicketV2(SubmitTicket):
        SCHEMA_VERSION = 2

    def v1_to_v2(payload: dict[str, object]) -> dict[str, object]:
        payload["subject"] = payload.pop("title")
        return payload

    registry = Registry([SubmitTicketV2], {("ticket.submit", 1): v1_to_v2})
    old = {"customer": CUSTOMER, "title": "Old field name", "message": "hello"}
    decoded = registry.decode("ticket.submit", 1, old)
    assert isinstance(decoded, SubmitTicketV2)
    assert decoded.subject == "Old field name"


def test_version_without_upcaster_or_from_the_future_is_refused_with_reason() -> None:
    registry = Registry([SubmitTicket], {})
    payload = {"customer": CUSTOMER, "subject": "s", "message": "m"}
    with pytest.raises(UndecodableMessage, match="newer than this reader"):
        registry.decode("ticket.submit", 9, payload)


def test_priority_accepts_the_briefs_words() -> None:
    ticket = SubmitTicket.model_validate(
        {"customer": CUSTOMER, "subject": "s", "message": "m", "priority": "urgent"}
    )
    assert ticket.priority == "P1"


def test_event_log_is_kept_forever_and_partitioned_like_commands() -> None:
    assert TICKET_EVENTS.retention_ms == FOREVER
    assert TICKET_EVENTS.topic_configs()["retention.ms"] == "-1"
    assert TICKET_EVENTS.partitions == TICKET_COMMANDS.partitions
    assert len({t.name for t in ALL_TOPICS}) == len(ALL_TOPICS)


def test_asyncapi_document_lists_every_topic(tmp_path: Path) -> None:
    export.main([str(tmp_path)])
    document = (tmp_path / "asyncapi.json").read_text()
    for topic in ALL_TOPICS:
        assert topic.name in document
