"""Entry point of the intake service: the channels that turn what customers send into ticket
commands, plus /healthz, /readyz and /metrics.

- Email: an SMTP listener for the support address (`entrypoints/email.py`).
- Partner Kafka topic `intake.requests` (`entrypoints/partner_topic.py`).
- Partner API `POST /api/v1/intake` and Slack's slash-command `POST /api/v1/intake/slack`
  (`entrypoints/http_intake.py`), which wait for the tickets service's reply.
- The reference lookup that lets a reply find its ticket, and Slack's `status` its status,
  fed by the ticket event log (`entrypoints/references.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from contracts.topics import ALL_TOPICS, INTAKE_REQUESTS, TICKET_EVENTS
from intake.adapters.kafka import RecordSender
from intake.adapters.partner_store import PartnerStore
from intake.adapters.reference_store import ReferenceStore
from intake.adapters.slack_followups import SlackFollowUps
from intake.adapters.smtp_server import SmtpListener
from intake.domain.mail import MailPolicy
from intake.entrypoints.email import EmailIntake
from intake.entrypoints.http_intake import HttpChannels
from intake.entrypoints.http_intake import router as http_router
from intake.entrypoints.partner_topic import PartnerRequests
from intake.entrypoints.references import ReferenceProjection, TicketLookup
from intake.settings import DEV_PARTNER_ID, DEV_PARTNER_KEY, IntakeSettings
from kit.attachments import AttachmentPolicy, LocalFolderStore
from kit.command_bus import CommandBus
from kit.group_consumer import GroupConsumer
from kit.kafka import kafka_readiness_check, prepare_kafka
from kit.mongo import make_mongo_client
from kit.ops import ReadinessCheck, add_ops_routes
from kit.service import serve

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: IntakeSettings) -> FastAPI:
    # aiosmtpd logs every SMTP command at INFO; the intake logs what each mail became.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    service = settings.service_name
    bootstrap = settings.kafka_bootstrap_servers
    mongo = make_mongo_client(settings)
    store = ReferenceStore(mongo, settings.mongodb_database)
    sender = RecordSender(bootstrap, service)
    references = GroupConsumer(
        bootstrap,
        TICKET_EVENTS,
        settings.references_group,
        ReferenceProjection(store).on_events,
        service,
        name="references",
    )
    partners = GroupConsumer(
        bootstrap,
        INTAKE_REQUESTS,
        settings.partner_group,
        PartnerRequests(sender, utc_now).on_records,
        service,
        name="partner_requests",
    )
    lookup = TicketLookup(store, references, settings.reference_wait_s)
    partner_store = PartnerStore(mongo, settings.mongodb_database)
    bus = CommandBus(bootstrap, f"intake-{settings.instance_id}", service)
    channels = HttpChannels(
        bus=bus,
        partners=partner_store,
        lookup=lookup,
        clock=utc_now,
        command_timeout_s=settings.command_timeout_s,
        slack_secret=settings.slack_signing_secret.get_secret_value(),
        slack_email_domain=settings.slack_email_domain,
        slack_reply_wait_s=settings.slack_reply_wait_s,
        slack_followups=SlackFollowUps(
            bus, settings.slack_response_url_prefix, settings.slack_followup_wait_s
        ),
    )
    email = EmailIntake(
        sender=sender,
        lookup=lookup,
        policy=MailPolicy(settings.support_address, settings.message_id_domain),
        clock=utc_now,
        files=LocalFolderStore(
            settings.attachments_dir, AttachmentPolicy(max_bytes=settings.attachment_max_bytes)
        ),
    )
    smtp = SmtpListener(
        settings.smtp_host,
        settings.smtp_port,
        hostname=settings.smtp_hostname,
        support_address=settings.support_address,
        max_message_bytes=settings.max_message_bytes,
        receive=email.receive,
    )
    consumers = (references, partners)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        await store.prepare()
        await partner_store.prepare()
        if settings.seeds_dev_partner:
            await partner_store.save(DEV_PARTNER_ID, "Development partner", DEV_PARTNER_KEY)
            log.warning("development partner seeded", partner=DEV_PARTNER_ID)
        await sender.start()
        await bus.start()
        if bus.task is not None:
            bus.task.add_done_callback(_exit_when_consumer_dies)
        try:
            for consumer in consumers:
                await consumer.start()
                if consumer.task is not None:
                    consumer.task.add_done_callback(_exit_when_consumer_dies)
            # Last: mail is taken only once everything it needs runs.
            await smtp.start()
            log.info(
                "intake started",
                smtp=f"{settings.smtp_host}:{smtp.port}",
                support_address=settings.support_address,
                partner_topic=INTAKE_REQUESTS.name,
            )
            yield
        finally:
            await smtp.stop()
            for consumer in reversed(consumers):
                if consumer.task is not None:
                    consumer.task.remove_done_callback(_exit_when_consumer_dies)
                await consumer.stop()
            if bus.task is not None:
                bus.task.remove_done_callback(_exit_when_consumer_dies)
            await bus.stop()
            await sender.stop()
            await mongo.close()

    async def consumers_running() -> None:
        for consumer in consumers:
            if not consumer.running:
                raise RuntimeError("a consumer stopped")
        if not bus.running:
            raise RuntimeError("the command replies tail stopped")

    app = FastAPI(title="Dvika Care intake", lifespan=lifespan)
    app.state.http_channels = channels
    app.include_router(http_router)
    # Kafka answers, and the intake's Kafka consumers run.
    add_ops_routes(
        app,
        service=service,
        checks={"kafka": _kafka_and(kafka_readiness_check(bootstrap), consumers_running)},
    )
    return app


def _exit_when_consumer_dies(task: asyncio.Task[None]) -> None:
    # A loop that stopped for good leaves the service deaf: die loudly so the supervisor
    # restarts it (the consumer groups resume from their committed offsets).
    if not task.cancelled():
        log.error("consumer stopped", consumer=task.get_name(), error=repr(task.exception()))
        raise SystemExit(1)


def _kafka_and(*checks: ReadinessCheck) -> ReadinessCheck:
    """One check running several (the key `kafka` is what every health-only service reports)."""

    async def check() -> None:
        for each in checks:
            await each()

    return check


def main() -> None:
    serve(IntakeSettings(), create_app)
