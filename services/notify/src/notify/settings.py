"""Settings of the notify service (environment variables prefixed `DVIKA_`).

Notify's own settings are read from `DVIKA_NOTIFY_<NAME>`, so one env file can start every
service. Two are shared with the gateway under the gateway's names, because links must match
what the gateway checks: `DVIKA_TRACKING_SECRET` (customers' tracking tokens) and
`DVIKA_PUBLIC_URL` (where the portal is).
"""

from __future__ import annotations

import socket
from datetime import time
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator

from kit.settings import ServiceSettings, service_port_field

# The gateway's development tracking secret: tokens in development mails must open the portal.
DEV_TRACKING_SECRET = "development-only-tracking-secret"


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"DVIKA_NOTIFY_{name.upper()}")


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    # DVIKA_NOTIFY_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("notify", 8085)
    environment: Literal["development", "production"] = "development"

    # --- links (shared with the gateway) ---
    tracking_secret: SecretStr = SecretStr(DEV_TRACKING_SECRET)
    public_url: str = "http://127.0.0.1:8080"
    # Where staff open the console; Slack alerts and agents' mail link to tickets there.
    console_url: str | None = Field(None, validation_alias=_env("console_url"))

    # --- email ---
    smtp_host: str = Field("127.0.0.1", validation_alias=_env("smtp_host"))
    # 1025: MailDev in development.
    smtp_port: int = Field(1025, ge=1, le=65535, validation_alias=_env("smtp_port"))
    smtp_starttls: bool = Field(False, validation_alias=_env("smtp_starttls"))
    smtp_username: str | None = Field(None, validation_alias=_env("smtp_username"))
    smtp_password: SecretStr | None = Field(None, validation_alias=_env("smtp_password"))
    smtp_timeout_s: float = Field(10.0, gt=0, validation_alias=_env("smtp_timeout_s"))
    # The name notify greets the SMTP server with (EHLO), set so no DNS lookup is needed.
    smtp_local_hostname: str = Field(
        default_factory=socket.gethostname, validation_alias=_env("smtp_local_hostname")
    )
    mail_from: str = Field("Dvika Care <support@dvika.care>", validation_alias=_env("mail_from"))
    # Agents' and managers' mail: an answer to it must not become a customer's message.
    staff_mail_from: str = Field(
        "Dvika Care <no-reply@dvika.care>", validation_alias=_env("staff_mail_from")
    )
    # Customers' replies go here; the intake threads them into the ticket by the `[DVK-…]`
    # subject and the In-Reply-To / References headers.
    support_address: str = Field("support@dvika.care", validation_alias=_env("support_address"))
    # Domain of the Message-IDs notify writes (the intake's DVIKA_INTAKE_MESSAGE_ID_DOMAIN).
    message_id_domain: str = Field("dvika.care", validation_alias=_env("message_id_domain"))

    # --- Slack ---
    # An incoming webhook; None: no Slack alerts are made.
    slack_webhook_url: str | None = Field(None, validation_alias=_env("slack_webhook_url"))
    slack_channel: str = Field("#dvika-care-alerts", validation_alias=_env("slack_channel"))

    # --- delivery ---
    retry_base_s: float = Field(1.0, gt=0, validation_alias=_env("retry_base_s"))
    retry_max_delay_s: float = Field(600.0, gt=0, validation_alias=_env("retry_max_delay_s"))
    # After this many failed attempts a notification is dead (GET /notifications?status=dead).
    max_attempts: int = Field(8, ge=1, validation_alias=_env("max_attempts"))
    # How often the sender looks for due notifications when nothing woke it.
    sender_poll_s: float = Field(1.0, gt=0, validation_alias=_env("sender_poll_s"))
    # How long one sender owns a notification it is sending (another replica waits that long).
    send_lease_s: float = Field(60.0, gt=0, validation_alias=_env("send_lease_s"))

    # --- Kafka ---
    events_group: str = Field("dvika-notify", validation_alias=_env("events_group"))
    # Customers at these domains have no mailbox: the intake's Slack customers
    # (DVIKA_INTAKE_SLACK_EMAIL_DOMAIN). A JSON list.
    unmailable_domains: list[str] = Field(
        ["slack.dvika.care"], validation_alias=_env("unmailable_domains")
    )
    # Older events update what notify knows but notify nobody: a first start over a long log
    # must not mail every customer of the past.
    max_event_age_s: float = Field(24 * 3600, gt=0, validation_alias=_env("max_event_age_s"))
    # How long start-up waits for the agent roster to be read before mailing assignments.
    roster_wait_s: float = Field(30.0, ge=0, validation_alias=_env("roster_wait_s"))

    # --- managers' daily digest ---
    digest_enabled: bool = Field(True, validation_alias=_env("digest_enabled"))
    digest_time: time = Field(time(8, 0), validation_alias=_env("digest_time"))
    digest_timezone: str = Field("UTC", validation_alias=_env("digest_timezone"))
    # The digest's figures come from the analytics reports API (the gateway's variable, so one
    # env file points both at the same service); no answer within the timeout: the digest
    # says its figures are unavailable.
    analytics_url: str = Field(
        "http://127.0.0.1:8086",
        validation_alias=AliasChoices("DVIKA_NOTIFY_ANALYTICS_URL", "DVIKA_ANALYTICS_URL"),
    )
    analytics_timeout_s: float = Field(
        5.0, gt=0, le=60, validation_alias=_env("analytics_timeout_s")
    )

    # --- admin API ---
    # When set, /notifications routes need `Authorization: Bearer <token>`.
    admin_token: SecretStr | None = Field(None, validation_alias=_env("admin_token"))

    @model_validator(mode="after")
    def _production_has_its_own_tracking_secret(self) -> Self:
        default = self.tracking_secret.get_secret_value() == DEV_TRACKING_SECRET
        if self.environment == "production" and default:
            raise ValueError("set DVIKA_TRACKING_SECRET in production")
        return self

    @property
    def tracking_key(self) -> bytes:
        return self.tracking_secret.get_secret_value().encode()

    @property
    def console_base_url(self) -> str:
        return (self.console_url or self.public_url).rstrip("/")
