"""Kafka plumbing shared by the services: topic provisioning, probes, dead letters.

Producers (plain, idempotent or transactional) stay in the services that own them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError, for_code

from contracts.envelopes import DeadLetter
from contracts.topics import TopicSpec
from kit.logging import get_logger
from kit.ops import ReadinessCheck
from kit.settings import ServiceSettings

_RETRY_DELAY_S = 0.5
# Backoff cap while Kafka is down: aiokafka logs an ERROR line per failed connection.
_MAX_RETRY_DELAY_S = 5.0
# Per request; short so a dead broker is retried (and reported) well within a deadline.
_REQUEST_TIMEOUT_MS = 5_000


class KafkaUnavailableError(RuntimeError):
    """Kafka did not answer before the deadline."""


class TopicCreationError(RuntimeError):
    """Kafka refused to create a topic for a reason other than it already existing."""


async def _connected_admin(bootstrap_servers: str, deadline: float) -> AIOKafkaAdminClient:
    """An admin client that has bootstrapped, retrying until the monotonic `deadline`."""
    attempts = 0
    last_error: BaseException | None = None
    while True:
        attempts += 1
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            client_id="dvika-kit-admin",
            request_timeout_ms=_REQUEST_TIMEOUT_MS,
        )
        try:
            await admin.start()
            await admin.describe_cluster()
        except (KafkaError, OSError) as error:
            last_error = error
            await admin.close()
        except BaseException:
            await admin.close()
            raise
        else:
            return admin
        delay = min(_RETRY_DELAY_S * 2 ** (attempts - 1), _MAX_RETRY_DELAY_S)
        remaining = deadline - time.monotonic()
        if remaining <= _RETRY_DELAY_S:
            raise KafkaUnavailableError(
                f"Kafka at {bootstrap_servers} did not answer after {attempts} attempts: "
                f"{last_error!r}"
            ) from last_error
        await asyncio.sleep(min(delay, remaining - _RETRY_DELAY_S))


async def wait_for_kafka(bootstrap_servers: str, timeout_s: float = 30) -> None:
    """Return once Kafka answers a metadata request; raise `KafkaUnavailableError` at timeout."""
    admin = await _connected_admin(bootstrap_servers, time.monotonic() + timeout_s)
    await admin.close()


async def prepare_kafka(
    settings: ServiceSettings, topics: Iterable[TopicSpec], *, timeout_s: float = 60
) -> None:
    """What every service does first: wait for Kafka, then create any missing topic."""
    await wait_for_kafka(settings.kafka_bootstrap_servers, timeout_s)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        topics,
        timeout_s=timeout_s,
        replication_factor=settings.topic_replication_factor,
    )


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[TopicSpec],
    *,
    timeout_s: float = 30,
    replication_factor: int = 1,
) -> None:
    """Create each missing topic with its partitions and configs; existing ones are left alone.

    Several services run this at start-up at once, so losing the race to create a topic
    counts as success. Transient failures (connection lost, controller moved) are retried
    until `timeout_s`; a refusal such as an invalid config raises `TopicCreationError`.
    """
    specs = {spec.name: spec for spec in topics}
    deadline = time.monotonic() + timeout_s
    while True:
        admin = await _connected_admin(bootstrap_servers, deadline)
        try:
            retriable = await _create_missing(admin, specs, replication_factor, deadline)
        except (KafkaError, OSError) as error:
            if not _is_transient(error):
                raise
            retriable = [repr(error)]
        finally:
            await admin.close()
        if not retriable:
            return
        if time.monotonic() + _RETRY_DELAY_S >= deadline:
            raise KafkaUnavailableError(
                f"could not create topics on {bootstrap_servers} before the deadline: "
                + "; ".join(retriable)
            )
        await asyncio.sleep(_RETRY_DELAY_S)


def _is_transient(error: BaseException) -> bool:
    # aiokafka flags a client-side timeout as not retriable, but the next attempt may succeed.
    return isinstance(error, OSError | KafkaTimeoutError) or bool(
        getattr(error, "retriable", False)
    )


async def _create_missing(
    admin: AIOKafkaAdminClient,
    specs: Mapping[str, TopicSpec],
    replication_factor: int,
    deadline: float,
) -> list[str]:
    """Create the specs' missing topics; return the retriable failures, raise the others."""
    log = get_logger(__name__)
    # Metadata for *all* topics: asking for named ones lets a broker with
    # auto.create.topics.enable create a missing one, with one partition, on the spot.
    existing = {
        described["topic"]: len(described["partitions"])
        for described in await admin.describe_topics()
    }
    for name, spec in specs.items():
        if name in existing and existing[name] != spec.partitions:
            # Not altered: changing the count would move keys between partitions.
            log.warning(
                "topic partition count differs from its spec",
                topic=name,
                partitions=existing[name],
                expected=spec.partitions,
            )
    missing = [spec for name, spec in specs.items() if name not in existing]
    if not missing:
        return []
    response = await admin.create_topics(
        [
            NewTopic(
                name=spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs=spec.topic_configs(),
            )
            for spec in missing
        ],
        timeout_ms=max(1_000, int((deadline - time.monotonic()) * 1000)),
    )
    # aiokafka reports per-topic failures in the response instead of raising them.
    retriable: list[str] = []
    fatal: list[str] = []
    for result in response.to_object()["topic_errors"]:
        topic, code = result["topic"], result["error_code"]
        if code == 0:
            log.info("topic created", topic=topic)
            continue
        error_type = for_code(code)
        if issubclass(error_type, TopicAlreadyExistsError):
            continue
        text = f"{topic}: {error_type.__name__} ({result.get('error_message') or code})"
        (retriable if error_type.retriable else fatal).append(text)
    if fatal:
        raise TopicCreationError("Kafka refused to create topics: " + "; ".join(fatal))
    return retriable


def kafka_readiness_check(bootstrap_servers: str) -> ReadinessCheck:
    """A readiness check that passes while Kafka answers a metadata request."""

    async def kafka() -> None:
        # The ops route bounds each check by its own timeout; this one just must not retry.
        await wait_for_kafka(bootstrap_servers, timeout_s=0)

    return kafka


class KafkaRecord(Protocol):
    """What a dead letter needs of a consumed record (aiokafka's `ConsumerRecord` has it)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def dead_letter_record(service: str, record: KafkaRecord, reason: str, now: datetime) -> DeadLetter:
    """A `DeadLetter` keeping the record's bytes, decoded with replacement so any input fits."""
    return DeadLetter(
        service=service,
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=None if record.key is None else record.key.decode("utf-8", errors="replace"),
        raw="" if record.value is None else record.value.decode("utf-8", errors="replace"),
        reason=reason,
        failed_at=now,
    )
