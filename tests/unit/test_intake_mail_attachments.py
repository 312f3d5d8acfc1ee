"""A mail's files: read from MIME, kept in storage, named in the command; refused ones listed."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from contracts.commands import PostMessage, SubmitTicket
from contracts.envelopes import CommandEnvelope
from intake.adapters.kafka import RecordSender
from intake.domain.ids import email_attachment_id
from intake.domain.mail import MailPolicy, ParsedMail, read_mail
from intake.entrypoints.email import ACCEPTED, TRY_LATER, EmailIntake
from intake.entrypoints.references import TicketLookup
from kit.attachments import AttachmentPolicy, LocalFolderStore

POLICY = MailPolicy("support@dvika.care", "dvika.care")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n" + b"x" * 12_000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


class FakeSender:
    """Stands in for Kafka: keeps what would be sent."""

    def __init__(self) -> None:
        self.commands: list[CommandEnvelope] = []
        self.dead_letters: list[Any] = []

    async def send_commands(self, envelopes: list[CommandEnvelope]) -> None:
        self.commands.extend(envelopes)

    async def send_dead_letters(self, topic: Any, records: list[Any]) -> None:
        self.dead_letters.extend(records)


class FixedLookup:
    def __init__(self, ticket_id: UUID | None = None) -> None:
        self.ticket_id = ticket_id

    async def ticket_for(self, mail: ParsedMail) -> UUID | None:
        return self.ticket_id


def _mail(body: str = "See the files.", message_id: str = "<files-1@example.com>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.com>"
    message["To"] = "support@dvika.care"
    message["Subject"] = "Files"
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


def _intake(
    sender: FakeSender, files: LocalFolderStore | None, ticket_id: UUID | None = None
) -> EmailIntake:
    return EmailIntake(
        sender=cast(RecordSender, sender),
        lookup=cast(TicketLookup, FixedLookup(ticket_id)),
        policy=POLICY,
        clock=lambda: NOW,
        files=files,
    )


def test_the_parser_keeps_each_files_bytes_and_type() -> None:
    message = _mail()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    message.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="rows.csv")
    verdict = read_mail(message.as_bytes(), "ada@example.com", POLICY)
    assert isinstance(verdict, ParsedMail)
    assert [(a.filename, a.content_type, a.data) for a in verdict.attachments] == [
        ("invoice.pdf", "application/pdf", PDF),
        ("rows.csv", "text/csv", b"a,b\n1,2\n"),
    ]
    assert verdict.body == "See the files."


async def test_files_are_stored_and_named_in_the_new_ticket(tmp_path: Path) -> None:
    sender = FakeSender()
    files = LocalFolderStore(tmp_path)
    message = _mail()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="shot.png")
    assert await _intake(sender, files).receive(message.as_bytes(), "ada@example.com") == ACCEPTED
    [envelope] = sender.commands
    command = SubmitTicket.model_validate(envelope.payload)
    assert [a.filename for a in command.attachments] == ["invoice.pdf", "shot.png"]
    first = command.attachments[0]
    assert first.attachment_id == email_attachment_id("files-1@example.com", 0)
    assert first.content_type == "application/pdf"
    assert (await files.read(first.attachment_id))[1] == PDF
    assert command.message == "See the files.\n\nAttachments: invoice.pdf (12 kB), shot.png (108 B)"


async def test_a_refused_file_is_dropped_with_a_note_and_the_rest_kept(tmp_path: Path) -> None:
    sender = FakeSender()
    files = LocalFolderStore(tmp_path, AttachmentPolicy(max_bytes=5000))
    message = _mail()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="big.pdf")
    message.add_attachment(b"<html>", maintype="image", subtype="png", filename="fake.png")
    message.add_attachment(b"MZ", maintype="application", subtype="x-msdownload",
                           filename="run.exe")  # fmt: skip
    message.add_attachment(b"ok\n", maintype="text", subtype="plain", filename="notes.txt")
    assert await _intake(sender, files).receive(message.as_bytes(), "ada@example.com") == ACCEPTED
    [envelope] = sender.commands
    command = SubmitTicket.model_validate(envelope.payload)
    assert [a.filename for a in command.attachments] == ["notes.txt"]
    text = command.message
    assert "big.pdf (12 kB) [not kept: big.pdf is larger than the limit of 5 KiB]" in text
    assert "fake.png (6 B) [not kept: fake.png: the content is not image/png" in text
    assert "run.exe (2 B) [not kept: run.exe: files of type application/x-msdownload" in text
    assert text.endswith("notes.txt (3 B)")
    # Only the kept file is on disk (data and sidecar).
    assert _files_on_disk(tmp_path) == 2


async def test_more_files_than_the_limit_keep_the_first_ones(tmp_path: Path) -> None:
    sender = FakeSender()
    files = LocalFolderStore(tmp_path, AttachmentPolicy(max_files=2))
    message = _mail()
    for n in range(3):
        message.add_attachment(b"t", maintype="text", subtype="plain", filename=f"{n}.txt")
    await _intake(sender, files).receive(message.as_bytes(), "ada@example.com")
    command = SubmitTicket.model_validate(sender.commands[0].payload)
    assert [a.filename for a in command.attachments] == ["0.txt", "1.txt"]
    assert "2.txt (1 B) [not kept: more than 2 files in one mail]" in command.message


async def test_a_reply_carries_its_files_too(tmp_path: Path) -> None:
    sender = FakeSender()
    ticket_id = UUID("6f1c2a44-0d7e-4d53-9d0b-2c4f7e1a9b10")
    message = _mail("Here it is.", "<files-2@example.com>")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="shot.png")
    intake = _intake(sender, LocalFolderStore(tmp_path), ticket_id)
    await intake.receive(message.as_bytes(), "ada@example.com")
    [envelope] = sender.commands
    assert envelope.ticket_id == ticket_id
    command = PostMessage.model_validate(envelope.payload)
    assert [a.content_type for a in command.attachments] == ["image/png"]


async def test_a_file_only_mail_still_has_a_message(tmp_path: Path) -> None:
    sender = FakeSender()
    message = _mail("")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="shot.png")
    await _intake(sender, LocalFolderStore(tmp_path)).receive(message.as_bytes(), "a@example.com")
    command = SubmitTicket.model_validate(sender.commands[0].payload)
    assert command.message == "Attachments: shot.png (108 B)"
    assert len(command.attachments) == 1


async def test_the_same_mail_twice_keeps_each_file_once(tmp_path: Path) -> None:
    sender = FakeSender()
    files = LocalFolderStore(tmp_path)
    message = _mail()
    message.add_attachment(PNG, maintype="image", subtype="png", filename="shot.png")
    for _ in range(2):
        await _intake(sender, files).receive(message.as_bytes(), "ada@example.com")
    first, second = (SubmitTicket.model_validate(e.payload) for e in sender.commands)
    assert first.attachments == second.attachments
    assert _files_on_disk(tmp_path) == 2


async def test_a_storage_that_fails_asks_the_sender_to_retry(tmp_path: Path) -> None:
    sender = FakeSender()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    message = _mail()
    message.add_attachment(PNG, maintype="image", subtype="png", filename="shot.png")
    answer = await _intake(sender, LocalFolderStore(blocked)).receive(
        message.as_bytes(), "ada@example.com"
    )
    assert answer == TRY_LATER
    assert sender.commands == []


async def test_without_storage_files_are_only_listed(tmp_path: Path) -> None:
    sender = FakeSender()
    message = _mail()
    message.add_attachment(PNG, maintype="image", subtype="png", filename="shot.png")
    await _intake(sender, None).receive(message.as_bytes(), "ada@example.com")
    command = SubmitTicket.model_validate(sender.commands[0].payload)
    assert command.attachments == ()
    assert command.message.endswith("Attachments: shot.png (108 B)")


def _files_on_disk(root: Path) -> int:
    return len([p for p in root.rglob("*") if p.is_file()])
