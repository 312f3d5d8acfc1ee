"""Entry point of the notify service (`python -m notify`): who hears what about tickets, by
email and Slack, exactly once.

- `entrypoints/events.py`: the ticket event log (consumer group `DVIKA_NOTIFY_EVENTS_GROUP`)
  becomes notification records in MongoDB, written before the offsets are committed.
- `entrypoints/roster.py`: the agent roster topic, read from the beginning (agents' and
  managers' emails).
- `entrypoints/sender.py`: sends due records by SMTP or the Slack webhook, with retries.
- `entrypoints/digest.py`: the managers' daily digest.
- `entrypoints/http_api.py`: dead letters and their retry, customers' opt-outs, the agents'
  console feed; plus /healthz, /readyz and /metrics.
- `adapters/notification_publisher.py`: each new console feed item on the notifications
  topic, for the gateways to push to the agent's consoles.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from fastapi import FastAPI

from contracts.topics import AGENTS, ALL_TOPICS, TICKET_EVENTS
from kit.group_consumer import GroupConsumer
from kit.kafka import kafka_readiness_check, prepare_kafka
from kit.mongo import make_mongo_client, ping_mongo
from kit.ops import add_ops_routes
from kit.service import serve
from kit.topic_tail import TopicTail
from notify.adapters.analytics_reports import AnalyticsReports
from notify.adapters.console_feed_store import ConsoleFeedStore
from notify.adapters.notification_publisher import NotificationPublisher
from notify.adapters.notification_store import NotificationStore
from notify.adapters.optout_store import OptOutStore
from notify.adapters.slack_webhook import SlackWebhook
from notify.adapters.smtp_mailer import SmtpMailer
from notify.adapters.ticket_store import TicketFactsStore
from notify.composer import NotificationComposer
from notify.domain.backoff import RetryPolicy
from notify.domain.links import Links
from notify.domain.notifications import Alerts
from notify.domain.roster import Roster
from notify.entrypoints.digest import DigestScheduler
from notify.entrypoints.events import EventNotifier, EventRules
from notify.entrypoints.http_api import ApiState
from notify.entrypoints.http_api import router as api_router
from notify.entrypoints.roster import RosterFeed
from notify.entrypoints.sender import Sender
from notify.rendering import EmailRenderer
from notify.settings import NotifySettings

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: NotifySettings) -> FastAPI:
    service = settings.service_name
    bootstrap = settings.kafka_bootstrap_servers
    mongo = make_mongo_client(settings)
    database = settings.mongodb_database
    notifications = NotificationStore(mongo, database)
    tickets = TicketFactsStore(mongo, database)
    optouts = OptOutStore(mongo, database)
    feed = ConsoleFeedStore(mongo, database)
    links = Links(settings.tracking_key, settings.public_url, settings.console_base_url)
    composer = NotificationComposer(
        EmailRenderer(),
        message_id_domain=settings.message_id_domain,
        customer_from=settings.mail_from,
        reply_to=settings.support_address,
        staff_from=settings.staff_mail_from,
    )
    roster = Roster()
    roster_tail = TopicTail(
        bootstrap, AGENTS, RosterFeed(roster).on_record, service, from_beginning=True
    )
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    mailer = SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=password,
        timeout_s=settings.smtp_timeout_s,
        local_hostname=settings.smtp_local_hostname,
    )
    slack = SlackWebhook(settings.slack_webhook_url) if settings.slack_webhook_url else None
    sender = Sender(
        store=notifications,
        mailer=mailer,
        slack=slack,
        policy=RetryPolicy(
            settings.retry_base_s, settings.retry_max_delay_s, settings.max_attempts
        ),
        clock=utc_now,
        poll_s=settings.sender_poll_s,
        lease=timedelta(seconds=settings.send_lease_s),
    )
    publisher = NotificationPublisher(bootstrap, service)
    notifier = EventNotifier(
        tickets=tickets,
        notifications=notifications,
        optouts=optouts,
        composer=composer,
        roster=roster,
        rules=EventRules(
            links=links,
            alerts=Alerts(enabled=slack is not None, channel=settings.slack_channel),
            max_event_age=timedelta(seconds=settings.max_event_age_s),
            unmailable_domains=frozenset(d.lower() for d in settings.unmailable_domains),
        ),
        clock=utc_now,
        on_recorded=sender.wake,
        feed=feed,
        publish=publisher.publish,
    )
    events = GroupConsumer(
        bootstrap, TICKET_EVENTS, settings.events_group, notifier.on_events, service, name="events"
    )
    reports = AnalyticsReports(settings.analytics_url, settings.analytics_timeout_s)
    digest = DigestScheduler(
        reports=reports,
        tickets=tickets,
        notifications=notifications,
        composer=composer,
        roster=roster,
        links=links,
        at=settings.digest_time,
        zone=ZoneInfo(settings.digest_timezone),
        clock=utc_now,
        on_recorded=sender.wake,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await prepare_kafka(settings, ALL_TOPICS)
        await notifications.prepare()
        await tickets.prepare()
        await feed.prepare()
        await publisher.start()
        await roster_tail.start()
        try:
            await _wait_for_roster(roster_tail, settings.roster_wait_s)
            await events.start()
            sender.start()
            if settings.digest_enabled:
                digest.start()
            for task in (events.task, sender.task, roster_tail.task):
                if task is not None:
                    task.add_done_callback(_exit_when_loop_dies)
            log.info(
                "notify started",
                smtp=f"{settings.smtp_host}:{settings.smtp_port}",
                slack=slack is not None,
                roster=len(roster),
                group=settings.events_group,
            )
            yield
        finally:
            for task in (events.task, sender.task, roster_tail.task):
                if task is not None:
                    task.remove_done_callback(_exit_when_loop_dies)
            await digest.stop()
            await sender.stop()
            await events.stop()
            await roster_tail.stop()
            await publisher.stop()
            if slack is not None:
                await slack.close()
            await reports.close()
            await mongo.close()

    async def loops_running() -> None:
        if not events.running:
            raise RuntimeError("the event consumer stopped")
        if not sender.running:
            raise RuntimeError("the sender stopped")

    async def mongo_ready() -> None:
        await ping_mongo(mongo)

    app = FastAPI(title="Dvika Care notify", lifespan=lifespan)
    app.state.notify_api = ApiState(
        notifications=notifications,
        optouts=optouts,
        feed=feed,
        clock=utc_now,
        admin_token=settings.admin_token.get_secret_value() if settings.admin_token else None,
        wake_sender=sender.wake,
        run_digest=digest.make_now,
    )
    app.include_router(api_router)

    @app.get("/status", include_in_schema=False)
    async def status() -> dict[str, object]:
        """How far the event consumer is (tests and operators wait on `lag` 0)."""
        return {
            "events_handled": events.handled,
            # -1 until the group has assigned partitions to this instance.
            "lag": -1 if (lag := await events.lag()) is None else lag,
            "roster": len(roster),
            "roster_caught_up": roster_tail.caught_up,
            "sender_passes": sender.passes,
        }

    add_ops_routes(
        app,
        service=service,
        checks={
            "kafka": kafka_readiness_check(bootstrap),
            "mongodb": mongo_ready,
            "loops": loops_running,
        },
    )
    return app


async def _wait_for_roster(tail: TopicTail, timeout_s: float) -> None:
    # Assignments decided before the roster is read would find no agent's email.
    if not await tail.wait_caught_up(timeout_s):
        log.warning("agent roster not read before start-up went on", wait_s=timeout_s)


def _exit_when_loop_dies(task: asyncio.Task[None]) -> None:
    # A loop that stopped for good leaves notify deaf or mute: die loudly so the supervisor
    # restarts it (the consumer group resumes from its committed offsets).
    if not task.cancelled():
        log.error("loop stopped", loop=task.get_name(), error=repr(task.exception()))
        raise SystemExit(1)


def main() -> None:
    serve(NotifySettings(), create_app)
