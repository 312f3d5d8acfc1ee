"""Mail in (from the SMTP listener), a ticket command out, and the SMTP answer.

A mail's files are kept in attachment storage and named in the command; a file the limits
refuse is left out and listed as not kept in the message.

250 means the mail is ours: its command, or its dead letter, is on Kafka. An auto-reply or
bounce is answered 250 too and makes nothing. When Kafka or MongoDB cannot be reached the
answer is 451, so the sending server keeps the mail and tries again later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import structlog
from pydantic import ValidationError

from contracts.topics import DEAD_LETTERS
from contracts.values import Attachment as StoredFile
from intake.adapters.kafka import RecordSender
from intake.domain.commands import new_ticket_from_mail, reply_from_mail
from intake.domain.ids import email_attachment_id
from intake.domain.mail import Attachment as MailAttachment
from intake.domain.mail import Automated, MailPolicy, ParsedMail, Unparsable, read_mail
from intake.entrypoints.dead_letters import ReceivedInput, dead_letter
from intake.entrypoints.references import TicketLookup
from intake.metrics import MAIL_ATTACHMENT_BYTES, MAIL_ATTACHMENTS, MAIL_RECEIVED
from kit.attachments import AttachmentRefused, AttachmentStore
from kit.metrics import HANDLER_SECONDS

log = structlog.get_logger(__name__)

# Where a mail's dead letter says it came from (it has no Kafka topic).
EMAIL_SOURCE = "intake.email"
ACCEPTED = "250 2.0.0 OK"
TRY_LATER = "451 4.3.0 Temporary failure, please try again later"


class EmailIntake:
    def __init__(
        self,
        *,
        sender: RecordSender,
        lookup: TicketLookup,
        policy: MailPolicy,
        clock: Callable[[], datetime],
        files: AttachmentStore | None = None,
    ) -> None:
        self._files = files
        self._sender = sender
        self._lookup = lookup
        self._policy = policy
        self._clock = clock

    async def receive(self, raw: bytes, envelope_sender: str) -> str:
        with HANDLER_SECONDS.labels("intake", "receive_mail").time():
            verdict = read_mail(raw, envelope_sender, self._policy)
            try:
                match verdict:
                    case Automated(reason=reason):
                        MAIL_RECEIVED.labels("automated").inc()
                        log.info("automated mail ignored", reason=reason, sender=envelope_sender)
                        return ACCEPTED
                    case Unparsable(reason=reason):
                        await self._dead_letter(raw, envelope_sender, reason)
                        return ACCEPTED
                    case ParsedMail():
                        return await self._command(raw, envelope_sender, verdict)
            except Exception:
                log.exception("mail not taken; the sender will retry", sender=envelope_sender)
                return TRY_LATER
        raise AssertionError(f"unexpected verdict {verdict!r}")  # pragma: no cover

    async def _command(self, raw: bytes, envelope_sender: str, mail: ParsedMail) -> str:
        ticket_id = await self._lookup.ticket_for(mail)
        mail, kept = await self._keep_files(mail)
        try:
            if ticket_id is None:
                envelope = new_ticket_from_mail(mail, self._clock(), kept)
            else:
                envelope = reply_from_mail(mail, ticket_id, self._clock(), kept)
        except ValidationError as error:
            await self._dead_letter(raw, envelope_sender, f"no valid command: {error}")
            return ACCEPTED
        await self._sender.send_commands([envelope])
        outcome = "ticket" if ticket_id is None else "message"
        MAIL_RECEIVED.labels(outcome).inc()
        log.info(
            "mail taken",
            outcome=outcome,
            ticket_id=str(envelope.ticket_id),
            command_id=str(envelope.command_id),
            reference=mail.reference,
            attachments=[
                {"filename": a.filename, "size": a.size, "not_kept": a.not_kept}
                for a in mail.attachments
            ],
        )
        return ACCEPTED

    async def _keep_files(self, mail: ParsedMail) -> tuple[ParsedMail, tuple[StoredFile, ...]]:
        """Store the mail's files; one the limits refuse is dropped and its reason listed in
        the message, never the mail itself. A disk that fails raises (the sender retries)."""
        if not mail.attachments or self._files is None:
            return mail, ()
        limit = self._files.policy.max_files
        judged: list[MailAttachment] = []
        kept: list[StoredFile] = []
        for index, part in enumerate(mail.attachments):
            if len(kept) >= limit:
                judged.append(replace(part, not_kept=f"more than {limit} files in one mail"))
                continue
            file_id = email_attachment_id(mail.message_id, index)
            try:
                stored = await self._files.put(part.filename, part.content_type, part.data, file_id)
            except AttachmentRefused as refused:
                judged.append(replace(part, not_kept=refused.reason))
                continue
            kept.append(stored)
            judged.append(part)
        for part in judged:
            MAIL_ATTACHMENTS.labels("not_kept" if part.not_kept else "kept").inc()
            MAIL_ATTACHMENT_BYTES.inc(part.size)
        return mail.with_attachments(tuple(judged)), tuple(kept)

    async def _dead_letter(self, raw: bytes, envelope_sender: str, reason: str) -> None:
        received = ReceivedInput(
            topic=EMAIL_SOURCE, key=envelope_sender.encode() or None, value=raw
        )
        await self._sender.send_dead_letters(
            DEAD_LETTERS, [dead_letter(received, reason, self._clock())]
        )
        MAIL_RECEIVED.labels("dead_letter").inc()
        log.warning("mail kept as a dead letter", reason=reason, sender=envelope_sender)
