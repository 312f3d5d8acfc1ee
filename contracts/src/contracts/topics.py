"""Every Kafka topic of Dvika Care: its name, partitions, retention and what it carries.

Services create these idempotently at start-up (`kit.kafka.ensure_topics`). The command and
event topics of tickets share one partition count: the owner of command partition p is the
only writer of event partition p.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from contracts.agents import AgentSnapshot
from contracts.envelopes import CommandEnvelope, CommandReply, DeadLetter, EventEnvelope
from contracts.intake import IntakeRequest
from contracts.knowledge import ArticleEvent
from contracts.notifications import ConsoleNotification
from contracts.presence import PresenceSignal

DAY_MS = 24 * 60 * 60 * 1000
FOREVER = -1

TICKET_PARTITIONS = 6


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int
    description: str
    key: str
    envelope: type[BaseModel]
    configs: dict[str, str] = field(default_factory=dict)

    def topic_configs(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": "delete", **self.configs}


TICKET_COMMANDS = TopicSpec(
    name="dvika.tickets.commands.v1",
    partitions=TICKET_PARTITIONS,
    retention_ms=7 * DAY_MS,
    description="Commands on tickets, handled exactly once by the owner of the partition.",
    key="ticket id",
    envelope=CommandEnvelope,
)

TICKET_EVENTS = TopicSpec(
    name="dvika.tickets.events.v1",
    partitions=TICKET_PARTITIONS,
    retention_ms=FOREVER,
    description="The ticket event log: the source of truth, kept forever, never compacted.",
    key="ticket id",
    envelope=EventEnvelope,
    # Bounded only by disk: retention.bytes=-1 is Kafka's default, stated so nobody lowers it.
    configs={"retention.bytes": "-1"},
)

TICKET_REPLIES = TopicSpec(
    name="dvika.tickets.replies.v1",
    partitions=TICKET_PARTITIONS,
    retention_ms=1 * DAY_MS,
    description="Outcome of each command, for the sender waiting on it (request/reply).",
    key="reply_to (the waiting instance)",
    envelope=CommandReply,
)

DEAD_LETTERS = TopicSpec(
    name="dvika.deadletters.v1",
    partitions=1,
    retention_ms=30 * DAY_MS,
    description="Records a service could not process, with the raw bytes and the reason.",
    key="source topic",
    envelope=DeadLetter,
)

PRESENCE = TopicSpec(
    name="dvika.presence.v1",
    partitions=1,
    retention_ms=60 * 60 * 1000,
    description="Agents viewing or typing on a ticket, for the other consoles; short-lived.",
    key="ticket id",
    envelope=PresenceSignal,
)

AGENTS = TopicSpec(
    name="dvika.agents.v1",
    partitions=1,
    retention_ms=FOREVER,
    description=(
        "The agent roster: a snapshot of each staff account (queues, capacity, availability) "
        "whenever it changes; compacted, so the newest per account stays."
    ),
    key="account id",
    envelope=AgentSnapshot,
    configs={"cleanup.policy": "compact"},
)

NOTIFICATIONS = TopicSpec(
    name="dvika.notifications.v1",
    partitions=1,
    retention_ms=7 * DAY_MS,
    description="Console notifications for one staff member, pushed live by every gateway.",
    key="account id",
    envelope=ConsoleNotification,
)

INTAKE_REQUESTS = TopicSpec(
    name="intake.requests",
    partitions=6,
    retention_ms=7 * DAY_MS,
    description=(
        "Partners' requests for tickets (IntakeRequest JSON); a duplicate idempotency key "
        "makes nothing new."
    ),
    key="the partner's idempotency key",
    envelope=IntakeRequest,
)

INTAKE_DLQ = TopicSpec(
    name="intake.dlq",
    partitions=1,
    retention_ms=30 * DAY_MS,
    description="Partner records the intake service refused, with the original payload and why.",
    key="the record's key (the partner's idempotency key)",
    envelope=DeadLetter,
)

KNOWLEDGE = TopicSpec(
    name="dvika.knowledge.v1",
    partitions=3,
    retention_ms=FOREVER,
    description=(
        "The knowledge base's article log (drafted, revised, published, archived, restored): "
        "the source of truth for articles, kept forever; the knowledge service is its one writer."
    ),
    key="article id",
    envelope=ArticleEvent,
    configs={"retention.bytes": "-1"},
)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    TICKET_COMMANDS,
    TICKET_EVENTS,
    TICKET_REPLIES,
    DEAD_LETTERS,
    PRESENCE,
    AGENTS,
    NOTIFICATIONS,
    INTAKE_REQUESTS,
    INTAKE_DLQ,
    KNOWLEDGE,
)
