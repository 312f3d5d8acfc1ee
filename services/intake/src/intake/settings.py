"""Settings of the intake service (environment variables prefixed `DVIKA_`).

The intake's own settings are read from `DVIKA_INTAKE_<NAME>`, so one env file can start
every service without the intake's SMTP listener clashing with another service's settings.
"""

from __future__ import annotations

import socket
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator

from kit.settings import ServiceSettings, service_port_field

# Development defaults, documented in the README; production refuses them.
DEV_SLACK_SIGNING_SECRET = "dev-slack-signing-secret"
DEV_PARTNER_ID = "dev-partner"
DEV_PARTNER_KEY = "dev-partner-key"


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"DVIKA_INTAKE_{name.upper()}")


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    # DVIKA_INTAKE_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("intake", 8082)
    # Where the SMTP listener accepts mail; an MTA in front of it relays the support mailbox
    # here. Port 0 picks a free port.
    smtp_host: str = Field("127.0.0.1", validation_alias=_env("smtp_host"))
    smtp_port: int = Field(2525, ge=0, le=65535, validation_alias=_env("smtp_port"))
    # The name the listener greets with (EHLO); set so aiosmtpd needs no DNS lookup.
    smtp_hostname: str = Field(
        default_factory=socket.gethostname, validation_alias=_env("smtp_hostname")
    )
    # The mailbox mail is accepted for; any other recipient answers 550.
    support_address: str = Field("support@dvika.care", validation_alias=_env("support_address"))
    # The domain of the Message-IDs the system writes (`<ticket-{id}@dvika.care>`), so a reply
    # naming one in In-Reply-To / References is matched to its ticket.
    message_id_domain: str = Field("dvika.care", validation_alias=_env("message_id_domain"))
    # Larger mail is refused by the SMTP server itself (552).
    max_message_bytes: int = Field(
        25 * 1024 * 1024, ge=1024, validation_alias=_env("max_message_bytes")
    )
    # How long a reply naming an unknown reference waits for the reference lookup to catch up
    # with the event log before it becomes a new ticket.
    reference_wait_s: float = Field(5.0, ge=0, validation_alias=_env("reference_wait_s"))
    references_group: str = Field(
        "dvika-intake-references", validation_alias=_env("references_group")
    )
    partner_group: str = Field("dvika-intake-partners", validation_alias=_env("partner_group"))
    # "production" refuses the development Slack secret and never seeds the dev partner
    # (DVIKA_ENVIRONMENT, shared with the gateway).
    environment: Literal["development", "production"] = "development"
    # Slack's signing secret for the slash-command (X-Slack-Signature).
    slack_signing_secret: SecretStr = Field(
        SecretStr(DEV_SLACK_SIGNING_SECRET), validation_alias=_env("slack_signing_secret")
    )
    # Slack users become customers `{user_id}@{slack_email_domain}` (Slack does not send
    # their email; `.invalid` is refused by the email validation of every ticket).
    slack_email_domain: str = Field("slack.dvika.care", validation_alias=_env("slack_email_domain"))
    # Slack wants an answer within 3 s: wait this long for the ticket's reference.
    # A ticket not opened within the 3 s Slack allows is announced later through the request's
    # `response_url`, only if it starts with this (no posting to addresses a caller chose).
    slack_response_url_prefix: str = Field(
        "https://hooks.slack.com/", validation_alias=_env("slack_response_url_prefix")
    )
    slack_followup_wait_s: float = Field(
        30.0, gt=0, le=300, validation_alias=_env("slack_followup_wait_s")
    )
    slack_reply_wait_s: float = Field(
        2.5, gt=0, le=2.9, validation_alias=_env("slack_reply_wait_s")
    )
    # How long the partner API waits for the tickets service (then 503). DVIKA_COMMAND_TIMEOUT_S
    # is the gateway's name for the same wait.
    command_timeout_s: float = Field(
        10.0,
        gt=0,
        validation_alias=AliasChoices("DVIKA_INTAKE_COMMAND_TIMEOUT_S", "DVIKA_COMMAND_TIMEOUT_S"),
    )

    @model_validator(mode="after")
    def _production_has_its_own_slack_secret(self) -> Self:
        default = self.slack_signing_secret.get_secret_value() == DEV_SLACK_SIGNING_SECRET
        if self.environment == "production" and default:
            raise ValueError("set DVIKA_INTAKE_SLACK_SIGNING_SECRET in production")
        return self

    @property
    def seeds_dev_partner(self) -> bool:
        """The development partner (`dev-partner`, key `dev-partner-key`) exists only in
        development."""
        return self.environment == "development"
