"""The SMTP listener (aiosmtpd), served on the service's own event loop.

aiosmtpd's `Controller` would run it in a thread with a loop of its own; created here with
`loop.create_server` instead, it shares the loop (and so the Kafka producer) with the rest
of the service. It accepts mail only for the support address; what a mail becomes is the
`MailReceiver`'s business, which answers the SMTP status line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

log = structlog.get_logger(__name__)

# The raw message and the envelope sender (MAIL FROM; "" for `<>`) → the SMTP reply line.
MailReceiver = Callable[[bytes, str], Awaitable[str]]
NULL_SENDER = "<>"


class _Handler:
    def __init__(self, support_address: str, receive: MailReceiver) -> None:
        self._support = support_address.strip().lower()
        self._receive = receive

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # aiosmtpd keeps `MAIL FROM:<>` as "" and then refuses RCPT ("need MAIL command"):
        # a bounce must be accepted (and then ignored), so the null sender is kept as "<>".
        envelope.mail_from = address or NULL_SENDER
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.strip().lower() != self._support:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        sender = envelope.mail_from or ""
        return await self._receive(raw, "" if sender == NULL_SENDER else sender)


class SmtpListener:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        hostname: str,
        support_address: str,
        max_message_bytes: int,
        receive: MailReceiver,
    ) -> None:
        self._host = host
        self._port = port
        self._hostname = hostname
        self._max_bytes = max_message_bytes
        self._handler = _Handler(support_address, receive)
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (the configured one, or the one picked for port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                self._handler,
                hostname=self._hostname,
                ident="Dvika Care intake",
                data_size_limit=self._max_bytes,
                enable_SMTPUTF8=True,
                decode_data=False,
                loop=loop,
            ),
            host=self._host,
            port=self._port,
        )
        log.info("smtp listening", host=self._host, port=self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
