from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.admin import NewTopic

from contracts.topics import ALL_TOPICS, DEAD_LETTERS, TICKET_COMMANDS, TICKET_EVENTS
from kit import kafka
from kit.kafka import (
    KafkaUnavailableError,
    TopicCreationError,
    dead_letter_record,
    ensure_topics,
    wait_for_kafka,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


# Nothing listens on port 1, so connecting fails at once.
NOWHERE = "127.0.0.1:1"


def test_dead_letter_keeps_undecodable_bytes() -> None:
    record = Record("dvika.tickets.commands.v1", 3, 42, b"k\xff", b'{"a":\xff\xfe}')
    letter = dead_letter_record("tickets", record, "bad", NOW)
    assert letter.service == "tickets"
    assert letter.source_topic == "dvika.tickets.commands.v1"
    assert (letter.partition, letter.offset) == (3, 42)
    assert letter.key == "k\ufffd"
    assert letter.raw == '{"a":\ufffd\ufffd}'
    assert letter.reason == "bad"
    assert letter.failed_at == NOW


def test_dead_letter_of_null_key_and_tombstone() -> None:
    letter = dead_letter_record("s", Record("t", 0, 0, None, None), "tombstone", NOW)
    assert letter.key is None
    assert letter.raw == ""


async def test_wait_for_kafka_gives_up_with_a_clear_error() -> None:
    with pytest.raises(KafkaUnavailableError, match=r"127\.0\.0\.1:1 did not answer"):
        await wait_for_kafka(NOWHERE, timeout_s=0.6)


async def test_ensure_topics_gives_up_with_a_clear_error() -> None:
    with pytest.raises(KafkaUnavailableError):
        await ensure_topics(NOWHERE, ALL_TOPICS, timeout_s=0.1)


@dataclass
class _Response:
    errors: list[dict[str, Any]]

    def to_object(self) -> dict[str, Any]:
        return {"topic_errors": self.errors}


@dataclass
class _FakeAdmin:
    """Stands in for AIOKafkaAdminClient: knows some topics and answers create requests."""

    existing: dict[str, int]
    error_codes: dict[str, int] = field(default_factory=dict)
    created: list[NewTopic] = field(default_factory=list)
    described_with: list[Any] = field(default_factory=list)

    async def describe_topics(self, topics: list[str] | None = None) -> list[dict[str, Any]]:
        self.described_with.append(topics)
        return [
            {"topic": name, "error_code": 0, "partitions": [{}] * count}
            for name, count in self.existing.items()
        ]

    async def create_topics(self, new_topics: list[NewTopic], timeout_ms: int) -> _Response:
        self.created.extend(new_topics)
        return _Response(
            [
                {
                    "topic": t.name,
                    "error_code": self.error_codes.get(t.name, 0),
                    "error_message": None,
                }
                for t in new_topics
            ]
        )


async def test_creates_only_missing_topics_with_their_spec() -> None:
    admin = _FakeAdmin(existing={TICKET_COMMANDS.name: 6, "unrelated": 1})
    retriable = await kafka._create_missing(admin, {s.name: s for s in ALL_TOPICS}, 1, 1e12)
    assert retriable == []
    # Asking for named topics could auto-create them with one partition.
    assert admin.described_with == [None]
    created = {t.name: t for t in admin.created}
    assert set(created) == {t.name for t in ALL_TOPICS} - {TICKET_COMMANDS.name}
    events = created[TICKET_EVENTS.name]
    assert events.num_partitions == TICKET_EVENTS.partitions
    assert events.replication_factor == 1
    assert events.topic_configs == TICKET_EVENTS.topic_configs()
    assert events.topic_configs["retention.ms"] == "-1"


async def test_lost_creation_race_counts_as_success() -> None:
    admin = _FakeAdmin(existing={}, error_codes={DEAD_LETTERS.name: 36})
    assert await kafka._create_missing(admin, {DEAD_LETTERS.name: DEAD_LETTERS}, 3, 1e12) == []
    assert admin.created[0].replication_factor == 3


async def test_refused_topic_raises_and_transient_failure_is_retried() -> None:
    refused = _FakeAdmin(existing={}, error_codes={DEAD_LETTERS.name: 40})  # INVALID_CONFIG
    with pytest.raises(
        TopicCreationError, match=r"dvika\.deadletters\.v1: InvalidConfigurationError"
    ):
        await kafka._create_missing(refused, {DEAD_LETTERS.name: DEAD_LETTERS}, 1, 1e12)

    transient = _FakeAdmin(existing={}, error_codes={DEAD_LETTERS.name: 7})  # REQUEST_TIMED_OUT
    retriable = await kafka._create_missing(transient, {DEAD_LETTERS.name: DEAD_LETTERS}, 1, 1e12)
    assert len(retriable) == 1
    assert retriable[0].startswith("dvika.deadletters.v1: RequestTimedOutError")
