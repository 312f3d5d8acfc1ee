"""Sending one stored email over SMTP (aiosmtplib): STARTTLS and login when configured."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import aiosmtplib


class PermanentFailure(Exception):
    """The other side refused for good (SMTP 5xx, HTTP 4xx): retrying will not help."""


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        starttls: bool,
        username: str | None,
        password: str | None,
        timeout_s: float,
        local_hostname: str,
    ) -> None:
        self._host = host
        self._port = port
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout_s = timeout_s
        self._local_hostname = local_hostname

    def compose(
        self, recipient: str, email: Mapping[str, Any], created_at: datetime
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = email["from"]
        message["To"] = recipient
        if email.get("reply_to"):
            message["Reply-To"] = email["reply_to"]
        message["Subject"] = email["subject"]
        # The time the notification was decided, so a re-send is the same message.
        message["Date"] = format_datetime(created_at)
        for name, value in email["headers"].items():
            message[name] = value
        message.set_content(email["text"])
        message.add_alternative(email["html"], subtype="html")
        return message

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                # False, not None: without STARTTLS configured, do not upgrade just because the
                # server offers it (MailDev and the tests' server speak plain SMTP).
                start_tls=self._starttls,
                username=self._username,
                password=self._password,
                timeout=self._timeout_s,
                local_hostname=self._local_hostname,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            if all(refusal.code >= 500 for refusal in error.recipients):
                raise PermanentFailure(str(error)) from error
            raise
        except aiosmtplib.SMTPResponseException as error:
            if error.code >= 500 and not isinstance(error, aiosmtplib.SMTPServerDisconnected):
                raise PermanentFailure(f"{error.code} {error.message}") from error
            raise
