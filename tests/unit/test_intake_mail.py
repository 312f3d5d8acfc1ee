"""The intake's pure mail rules: reading MIME, loop detection, references, dedupe ids."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from uuid import UUID, uuid4

import pytest

from contracts.commands import PostMessage, SubmitTicket
from contracts.registry import decode_command
from intake.domain.commands import new_ticket_from_mail, reply_from_mail
from intake.domain.ids import dedupe_key, email_command_id, email_ticket_id
from intake.domain.mail import (
    NO_SUBJECT,
    TEXT_MAX,
    Attachment,
    Automated,
    MailPolicy,
    ParsedMail,
    Unparsable,
    format_size,
    html_to_text,
    read_mail,
    reference_in_subject,
    strip_quoted_reply,
    thread_text,
    thread_ticket_ids,
)

POLICY = MailPolicy(support_address="support@dvika.care", message_id_domain="dvika.care")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def _mail(
    body: str = "My invoice is wrong.",
    *,
    subject: str | None = "Invoice question",
    sender: str = "Ada Lovelace <ada@example.com>",
    message_id: str | None = "<m1@example.com>",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@dvika.care"
    if subject is not None:
        message["Subject"] = subject
    if message_id is not None:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def _parsed(message: EmailMessage, envelope_sender: str | None = "ada@example.com") -> ParsedMail:
    verdict = read_mail(message.as_bytes(), envelope_sender, POLICY)
    assert isinstance(verdict, ParsedMail), verdict
    return verdict


def test_a_plain_mail_gives_sender_subject_and_text() -> None:
    mail = _parsed(_mail())
    assert mail.customer.name == "Ada Lovelace"
    assert str(mail.customer.email) == "ada@example.com"
    assert mail.subject == "Invoice question"
    assert mail.text == "My invoice is wrong."
    assert mail.message_id == "m1@example.com"
    assert mail.reference is None
    assert mail.attachments == ()


def test_without_a_display_name_the_local_part_names_the_customer() -> None:
    mail = _parsed(_mail(sender="grace.hopper@example.com"))
    assert mail.customer.name == "grace.hopper"


def test_a_missing_or_blank_subject_falls_back() -> None:
    assert _parsed(_mail(subject=None)).subject == NO_SUBJECT
    assert _parsed(_mail(subject="   ")).subject == NO_SUBJECT


def test_the_text_part_wins_over_html_and_attachments_go_to_the_footer() -> None:
    message = _mail("Plain words.")
    message.add_alternative("<p>HTML <b>words</b></p>", subtype="html")
    message.add_attachment(b"%PDF" + b"x" * 12_000, maintype="application", subtype="pdf",
                           filename="invoice.pdf")  # fmt: skip
    message.add_attachment(b"tiny", maintype="image", subtype="png", filename="shot.png")
    mail = _parsed(message)
    assert mail.attachments == (
        Attachment("invoice.pdf", 12_004, "application/pdf"),
        Attachment("shot.png", 4, "image/png"),
    )
    assert mail.text == "Plain words.\n\nAttachments: invoice.pdf (12 kB), shot.png (4 B)"


def test_html_only_mail_becomes_safe_text() -> None:
    message = _mail()
    message.set_content(
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head>"
        "<body><p>Hello <b>team</b>,</p><p>see <a href='https://example.com/x'>this</a>"
        "<br>thanks</p></body></html>",
        subtype="html",
    )
    mail = _parsed(message)
    assert mail.text == "Hello team,\n\nsee this (https://example.com/x)\nthanks"
    assert "<" not in mail.text
    assert "alert" not in mail.text
    assert "color" not in mail.text


def test_html_to_text_keeps_no_markup_even_when_nested_badly() -> None:
    text = html_to_text("<div><p>a<p>b</div><img src=x onerror=alert(1)><iframe>c</iframe>")
    assert "<" not in text
    assert "onerror" not in text


def test_an_empty_body_with_an_attachment_is_the_footer_alone() -> None:
    message = _mail("")
    message.add_attachment(b"1" * 2500, maintype="text", subtype="csv", filename="rows.csv")
    assert _parsed(message).text == "Attachments: rows.csv (2 kB)"


def test_an_empty_body_without_anything_still_makes_a_message() -> None:
    assert _parsed(_mail("")).text == "(no text)"


def test_long_text_is_cut_to_the_message_limit_and_keeps_the_footer() -> None:
    text = thread_text("x" * 30_000, (Attachment("a.pdf", 12_000),))
    assert len(text) <= TEXT_MAX
    assert text.endswith("Attachments: a.pdf (12 kB)")
    assert "[… truncated]" in text


@pytest.mark.parametrize(
    ("size", "shown"), [(0, "0 B"), (999, "999 B"), (12_345, "12 kB"), (1_500_000, "1.5 MB")]
)
def test_sizes_read_like_a_mail_client(size: int, shown: str) -> None:
    assert format_size(size) == shown


# --- loop detection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated; owner-email=x@example.com"},
        {"Precedence": "bulk"},
        {"Precedence": "Junk"},
        {"Precedence": "list"},
        {"X-Autoreply": "yes"},
        {"Return-Path": "<>"},
    ],
)
def test_auto_replies_and_bounces_make_nothing(headers: dict[str, str]) -> None:
    verdict = read_mail(_mail(headers=headers).as_bytes(), "ada@example.com", POLICY)
    assert isinstance(verdict, Automated), verdict


@pytest.mark.parametrize(
    ("sender", "envelope_sender"),
    [
        ("MAILER-DAEMON@mx.example.com", "ada@example.com"),
        ("Mail Delivery System <postmaster@example.com>", "ada@example.com"),
        ("Ada <ada@example.com>", ""),  # MAIL FROM:<>
        ("Ada <ada@example.com>", "mailer-daemon@example.com"),
        ("Support <support@dvika.care>", "support@dvika.care"),  # our own mail coming back
    ],
)
def test_bounce_senders_and_our_own_address_make_nothing(sender: str, envelope_sender: str) -> None:
    verdict = read_mail(_mail(sender=sender).as_bytes(), envelope_sender, POLICY)
    assert isinstance(verdict, Automated), verdict


def test_a_delivery_status_report_is_a_bounce() -> None:
    raw = (
        b"From: Ada <ada@example.com>\r\nSubject: Undelivered\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n"
    )
    assert isinstance(read_mail(raw, "ada@example.com", POLICY), Automated)


def test_auto_submitted_no_is_a_person() -> None:
    _parsed(_mail(headers={"Auto-Submitted": "no", "Precedence": "first-class"}))


# --- unparsable -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n",
        b"\x00\xff\xfe this is not a mail at all",
        b"Subject: no sender\r\n\r\nbody",
        b"From: nobody\r\nSubject: no address\r\n\r\nbody",
        b"From: Broken <not an address@>\r\n\r\nbody",
    ],
)
def test_mail_that_cannot_become_a_ticket_is_unparsable_with_a_reason(raw: bytes) -> None:
    verdict = read_mail(raw, None, POLICY)
    assert isinstance(verdict, Unparsable), verdict
    assert verdict.reason


def test_without_a_from_header_the_envelope_sender_is_the_customer() -> None:
    raw = b"Subject: hi\r\nMessage-ID: <x@y>\r\n\r\nbody"
    verdict = read_mail(raw, "lin@example.com", POLICY)
    assert isinstance(verdict, ParsedMail)
    assert str(verdict.customer.email) == "lin@example.com"


def test_an_unknown_charset_keeps_what_decodes() -> None:
    raw = b"From: a@example.com\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla\xff\r\n"
    verdict = read_mail(raw, None, POLICY)
    assert isinstance(verdict, ParsedMail), verdict
    assert verdict.text.startswith("qapla")


# --- which ticket a reply answers -------------------------------------------------------


def test_a_reference_in_brackets_names_the_ticket() -> None:
    assert reference_in_subject("Re: [DVK-1234] Charged twice") == "DVK-1234"
    assert reference_in_subject("Re: [ dvk-1004 ] x") == "DVK-1004"
    assert reference_in_subject("DVK-1234 without brackets") is None
    assert _parsed(_mail(subject="Re: [DVK-1010] Invoice")).reference == "DVK-1010"


def test_message_ids_the_system_made_name_their_ticket() -> None:
    first, second = uuid4(), uuid4()
    ids = thread_ticket_ids(
        f"<ticket-{first}@dvika.care>",
        f"<other@example.com> <notify.7.{second}@dvika.care> <ticket-{first}@DVIKA.care>",
        "dvika.care",
    )
    assert ids == (first, second)
    assert thread_ticket_ids(f"<ticket-{first}@elsewhere.com>", None, "dvika.care") == ()
    assert thread_ticket_ids("<ticket-not-a-uuid@dvika.care>", None, "dvika.care") == ()


def test_a_reply_carries_the_ticket_ids_from_its_headers() -> None:
    ticket = uuid4()
    mail = _parsed(_mail(headers={"In-Reply-To": f"<ticket-{ticket}@dvika.care>"}))
    assert mail.thread_ticket_ids == (ticket,)


# --- commands and dedupe ----------------------------------------------------------------


def test_a_new_mail_is_a_fire_and_forget_submission_with_ids_from_its_message_id() -> None:
    mail = _parsed(_mail())
    envelope = new_ticket_from_mail(mail, NOW)
    assert envelope.reply_to is None
    assert envelope.command_id == email_command_id("m1@example.com")
    assert envelope.ticket_id == email_ticket_id("m1@example.com")
    assert envelope.actor.kind == "customer"
    command = decode_command(envelope)
    assert isinstance(command, SubmitTicket)
    assert command.channel == "email"
    assert command.dedupe_key == "email:m1@example.com"
    assert command.subject == "Invoice question"


def test_the_same_mail_twice_gives_the_same_command() -> None:
    raw = _mail().as_bytes()
    first, again = (read_mail(raw, "ada@example.com", POLICY) for _ in range(2))
    assert isinstance(first, ParsedMail)
    assert isinstance(again, ParsedMail)
    one, two = new_ticket_from_mail(first, NOW), new_ticket_from_mail(again, NOW)
    assert (one.command_id, one.ticket_id) == (two.command_id, two.ticket_id)


def test_a_mail_without_message_id_dedupes_on_its_content() -> None:
    one = _parsed(_mail(message_id=None))
    two = _parsed(_mail(message_id=None))
    other = _parsed(_mail("Something else", message_id=None))
    assert one.message_id == two.message_id != other.message_id
    assert one.message_id.startswith("sha256:")


def test_a_reply_posts_a_customer_message_on_the_ticket() -> None:
    ticket = UUID("00000000-0000-4000-8000-000000000001")
    envelope = reply_from_mail(_parsed(_mail(subject="Re: [DVK-1004] x")), ticket, NOW)
    assert envelope.ticket_id == ticket
    command = decode_command(envelope)
    assert isinstance(command, PostMessage)
    assert (command.author, command.channel, command.internal) == ("customer", "email", False)


def test_dedupe_keys_fit_the_field() -> None:
    assert dedupe_key("email", "m@x") == "email:m@x"
    long_key = dedupe_key("email", "m" * 500)
    assert long_key.startswith("email:sha256:")
    assert len(long_key) <= 200


# --- a reply's own words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "own"),
    [
        ("Still broken.\n\nOn Tue, 24 Nov 2026 at 10:00, Dvika Care <support@dvika.care> wrote:\n"
         "> We fixed it.\n> Regards", "Still broken."),
        ("Still broken.\n\nOn Tue, 24 Nov 2026 at 10:00, Dvika Care <\nsupport@dvika.care> wrote:\n"
         "> We fixed it.", "Still broken."),
        ("Thanks!\n-----Original Message-----\nFrom: support@dvika.care\nFixed.", "Thanks!"),
        ("Thanks!\n\n> quoted\n> more", "Thanks!"),
        ("> only a quote", "> only a quote"),
        ("Line one\n> inline quote\nmy answer", "Line one\n> inline quote\nmy answer"),
    ],
)  # fmt: skip
def test_a_reply_keeps_its_own_words(body: str, own: str) -> None:
    assert strip_quoted_reply(body) == own


def test_a_reply_command_leaves_the_quote_out_and_a_new_ticket_keeps_it() -> None:
    body = "New words.\n\nOn Mon, Support <support@dvika.care> wrote:\n> old words"
    mail = _parsed(_mail(body, subject="Re: [DVK-1004] x"))
    reply = decode_command(reply_from_mail(mail, uuid4(), NOW))
    assert isinstance(reply, PostMessage)
    assert reply.message == "New words."
    submission = decode_command(new_ticket_from_mail(mail, NOW))
    assert isinstance(submission, SubmitTicket)
    assert "old words" in submission.message
