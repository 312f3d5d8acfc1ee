"""Dead letters for what the intake could not use, kept whole up to what Kafka carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.envelopes import DeadLetter
from kit.kafka import KafkaRecord, dead_letter_record

SERVICE = "intake"
# A dead letter is one Kafka record (1 MB by default, envelope included): a larger input
# keeps its first part, as much as fits once JSON-escaped, and says so in the reason.
RECORD_MAX_BYTES = 900_000


@dataclass
class ReceivedInput:
    """Input that did not come from Kafka (a mail), shaped like a record for the kit."""

    topic: str
    key: bytes | None
    value: bytes | None
    partition: int = -1
    offset: int = -1


def dead_letter(record: KafkaRecord, reason: str, now: datetime) -> DeadLetter:
    letter = dead_letter_record(SERVICE, record, reason, now)
    value = record.value or b""
    keep = len(value)
    while len(letter.model_dump_json()) > RECORD_MAX_BYTES and keep > 0:
        keep = min(keep, RECORD_MAX_BYTES) // 2
        shortened = ReceivedInput(
            topic=record.topic,
            key=record.key,
            value=value[:keep],
            partition=record.partition,
            offset=record.offset,
        )
        letter = dead_letter_record(
            SERVICE, shortened, f"{reason} (raw: the first {keep} of {len(value)} bytes)", now
        )
    return letter
