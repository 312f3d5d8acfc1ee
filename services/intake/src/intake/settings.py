"""Settings of the intake service (environment variables prefixed `DVIKA_`).

The intake's own settings are read from `DVIKA_INTAKE_<NAME>`, so one env file can start
every service without the intake's SMTP listener clashing with another service's settings.
"""

from __future__ import annotations

import socket

from pydantic import AliasChoices, Field

from kit.settings import ServiceSettings, service_port_field


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
