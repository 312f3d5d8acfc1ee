"""Reading one mail: what it says, who sent it, which ticket it answers, whether a machine wrote it.

Pure: bytes in, a verdict out. `read_mail` never raises; a mail it cannot make sense of is
`Unparsable` with the reason (the caller keeps it as a dead letter), an auto-reply or bounce
is `Automated` (nothing is made of it, so no mail loop can start), anything else a
`ParsedMail`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from email import policy
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import parseaddr
from uuid import UUID

from bs4 import BeautifulSoup
from bs4.element import NavigableString
from pydantic import ValidationError

from contracts.values import Customer

NO_SUBJECT = "(no subject)"
NO_TEXT = "(no text)"
SUBJECT_MAX = 200
NAME_MAX = 120
TEXT_MAX = 20_000
TRUNCATED = "\n[… truncated]"

# `[DVK-1234]` anywhere in the subject, as the notifications write it.
_REFERENCE = re.compile(r"\[\s*(DVK-\d{1,12})\s*\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# `ticket-{id}` or `{anything}.{id}` before the system's own domain.
_SYSTEM_LOCAL_PART = re.compile(rf"^(?:ticket-|.+\.)(?P<id>{_UUID})$")
_ORIGINAL_MESSAGE = re.compile(r"^-{2,}\s*Original Message\s*-{2,}$", re.IGNORECASE)
_BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond")
# HTML elements whose text is never content, and those that end a line.
_INVISIBLE = ("script", "style", "head", "title", "template", "noscript")
_BLOCKS = (
    "p", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "ul", "ol", "section", "article", "header", "footer",
)  # fmt: skip


@dataclass(frozen=True)
class MailPolicy:
    """What the reader needs to know about this installation."""

    support_address: str
    message_id_domain: str


@dataclass(frozen=True)
class Attachment:
    """A file part of a mail, with its decoded bytes (which the caller keeps in storage)."""

    filename: str
    size: int
    content_type: str = "application/octet-stream"
    data: bytes = field(default=b"", repr=False, compare=False)
    # Why storage refused it (too large, a refused type); listed so in the message.
    not_kept: str | None = None


@dataclass(frozen=True)
class ParsedMail:
    # The Message-ID without its angle brackets, or a digest of the mail when it has none:
    # the ids of what the mail becomes derive from it.
    message_id: str
    customer: Customer
    subject: str
    # The text for the ticket's thread: the body, then the attachments' footer.
    text: str
    # The same for a reply: the quoted earlier mail at its end left out.
    reply_text: str
    attachments: tuple[Attachment, ...]
    # `DVK-1234` from the subject, if any.
    reference: str | None
    # Tickets named by In-Reply-To / References Message-IDs the system made, nearest first.
    thread_ticket_ids: tuple[UUID, ...]
    # The body alone, and a reply's own words alone (the texts above without the footer).
    body: str = ""
    reply_body: str = ""

    def with_attachments(self, attachments: tuple[Attachment, ...]) -> ParsedMail:
        """The mail once storage has judged its files: the footer says which were not kept."""
        return replace(
            self,
            attachments=attachments,
            text=thread_text(self.body, attachments),
            reply_text=thread_text(self.reply_body, attachments),
        )


@dataclass(frozen=True)
class Automated:
    """An auto-reply, bounce or bulk mail: nothing is made of it."""

    reason: str


@dataclass(frozen=True)
class Unparsable:
    """A mail that cannot become a ticket; it is kept as a dead letter with this reason."""

    reason: str


MailVerdict = ParsedMail | Automated | Unparsable


def read_mail(raw: bytes, envelope_sender: str | None, mail_policy: MailPolicy) -> MailVerdict:
    """Judge one mail as received (`envelope_sender` is SMTP's MAIL FROM, "" for `<>`)."""
    if not raw.strip():
        return Unparsable("empty message")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        if not message.keys():
            return Unparsable("no headers: not an RFC 5322 message")
        automated = automated_reason(message, envelope_sender, mail_policy.support_address)
        if automated is not None:
            return Automated(automated)
        return _parsed(message, envelope_sender, mail_policy)
    except Exception as error:  # the email package raises odd things on odd input
        return Unparsable(f"could not read the message: {type(error).__name__}: {error}")


def automated_reason(
    message: Message, envelope_sender: str | None, support_address: str
) -> str | None:
    """Why this mail was written by a machine (and must not be answered), or None."""
    auto_submitted = _header(message, "Auto-Submitted")
    if auto_submitted is not None and _token(auto_submitted) != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence")
    if precedence is not None and _token(precedence) in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _AUTOREPLY_HEADERS:
        if _header(message, name) is not None:
            return f"{name} header"
    return_path = _header(message, "Return-Path")
    if return_path is not None and return_path.strip() in ("", "<>"):
        return "empty Return-Path (a bounce)"
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "null envelope sender (a bounce)"
    if message.get_content_type() == "multipart/report":
        return "delivery status report (multipart/report)"
    senders = [parseaddr(_header(message, "From") or "")[1], envelope_sender or ""]
    for address in senders:
        local = address.rpartition("@")[0] if "@" in address else address
        if local.strip().lower() in _BOUNCE_SENDERS:
            return f"sent by {address}"
    if any(a.strip().lower() == support_address.strip().lower() for a in senders if a):
        return f"sent from our own address {support_address}"
    return None


def reference_in_subject(subject: str) -> str | None:
    found = _REFERENCE.search(subject)
    return found.group(1).upper() if found else None


def thread_ticket_ids(
    in_reply_to: str | None, references: str | None, message_id_domain: str
) -> tuple[UUID, ...]:
    """Ticket ids named by Message-IDs the system made: In-Reply-To first, then References
    from the newest (last) to the oldest."""
    named = [
        *_MESSAGE_ID.findall(in_reply_to or ""),
        *reversed(_MESSAGE_ID.findall(references or "")),
    ]
    out: list[UUID] = []
    for message_id in named:
        local, _, domain = message_id.rpartition("@")
        if domain.lower() != message_id_domain.lower():
            continue
        matched = _SYSTEM_LOCAL_PART.match(local)
        if matched:
            ticket_id = UUID(matched.group("id"))
            if ticket_id not in out:
                out.append(ticket_id)
    return tuple(out)


def html_to_text(html: str) -> str:
    """Safe plain text of an HTML body: no markup survives, lines and links do."""
    soup = BeautifulSoup(html, "html.parser")
    for invisible in soup(_INVISIBLE):
        invisible.decompose()
    for br in soup.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for link in soup.find_all("a"):
        href = link.get("href")
        label = link.get_text().strip()
        if isinstance(href, str) and href.startswith(("http://", "https://", "mailto:")):
            shown = href.removeprefix("mailto:")
            if shown != label:
                link.append(NavigableString(f" ({shown})"))
    for block in soup.find_all(_BLOCKS):
        block.insert_before(NavigableString("\n"))
        block.insert_after(NavigableString("\n"))
    return tidy_text(soup.get_text())


def strip_quoted_reply(body: str) -> str:
    """A reply's own words: the quoted mail below "On … wrote:" or "-----Original Message-----"
    and a trailing `>` block are left out (the thread already holds them). Never empty: a
    mail that is all quote stays whole."""
    lines = body.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        text = line.strip()
        if _ORIGINAL_MESSAGE.match(text):
            cut = index
            break
        if text.endswith("wrote:"):
            # Some clients wrap a long attribution: "On …, Dvika <" / "support@…> wrote:".
            if text.startswith("On "):
                cut = index
                break
            if index and lines[index - 1].strip().startswith("On "):
                cut = index - 1
                break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    return "\n".join(kept).strip() or body


def tidy_text(text: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line in a row, trimmed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


def format_size(size: int) -> str:
    """`12 kB`, `1.5 MB`: decimal units, as mail clients show them."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{round(size / 1000)} kB"
    return f"{size / 1_000_000:.1f} MB"


def attachments_footer(attachments: tuple[Attachment, ...]) -> str:
    if not attachments:
        return ""
    listed = ", ".join(_listed(a) for a in attachments)
    return f"Attachments: {listed}"


def _listed(attachment: Attachment) -> str:
    shown = f"{attachment.filename} ({format_size(attachment.size)})"
    return f"{shown} [not kept: {attachment.not_kept}]" if attachment.not_kept else shown


def thread_text(body: str, attachments: tuple[Attachment, ...]) -> str:
    """The body and the attachments' footer, within a message's length limit."""
    footer = attachments_footer(attachments)
    room = TEXT_MAX - (len(footer) + 2 if footer else 0)
    if len(body) > room:
        body = body[: max(0, room - len(TRUNCATED))].rstrip() + TRUNCATED
    if not body:
        return footer or NO_TEXT
    return f"{body}\n\n{footer}" if footer else body


def _parsed(
    message: EmailMessage, envelope_sender: str | None, mail_policy: MailPolicy
) -> ParsedMail | Unparsable:
    customer = _customer(message, envelope_sender)
    if isinstance(customer, Unparsable):
        return customer
    subject = " ".join((_header(message, "Subject") or "").split())
    subject = subject[:SUBJECT_MAX].strip() or NO_SUBJECT
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = "" if body_part is None else _body_text(body_part)
    attachments = _attachments(message, body_part)
    reply_body = strip_quoted_reply(body)
    text = thread_text(body, attachments)
    reply_text = thread_text(reply_body, attachments)
    message_id = _message_id(message) or _digest(customer.email, message, text)
    return ParsedMail(
        message_id=message_id,
        customer=customer,
        subject=subject,
        text=text,
        reply_text=reply_text,
        attachments=attachments,
        reference=reference_in_subject(subject),
        thread_ticket_ids=thread_ticket_ids(
            _header(message, "In-Reply-To"),
            _header(message, "References"),
            mail_policy.message_id_domain,
        ),
        body=body,
        reply_body=reply_body,
    )


def _customer(message: EmailMessage, envelope_sender: str | None) -> Customer | Unparsable:
    from_header = _header(message, "From")
    name, address = parseaddr(from_header or "")
    if "@" not in address and envelope_sender and "@" in envelope_sender:
        name, address = "", envelope_sender
    if "@" not in address:
        return Unparsable(f"no sender address (From: {from_header!r})")
    name = " ".join(name.split())[:NAME_MAX].strip() or address.rpartition("@")[0][:NAME_MAX]
    try:
        return Customer(name=name or address[:NAME_MAX], email=address)
    except ValidationError as error:
        problems = "; ".join(e["msg"] for e in error.errors())
        return Unparsable(f"invalid sender {address!r}: {problems}")


def _body_text(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset: keep what decodes
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return tidy_text(content)


def _attachments(message: EmailMessage, body_part: Message | None) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for part in message.walk():
        if part is body_part or part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        maintype = part.get_content_maintype()
        if disposition != "attachment" and filename is None and maintype in ("text", "message"):
            continue  # an alternative rendering of the body, not a file
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        name = " ".join((filename or "").split()) or f"unnamed-{len(found) + 1}"
        kind = part.get_content_type()
        found.append(Attachment(filename=name, size=len(data), content_type=kind, data=data))
    return tuple(found)


def _message_id(message: EmailMessage) -> str | None:
    value = _header(message, "Message-ID")
    if value is None:
        return None
    ids = _MESSAGE_ID.findall(value)
    text = ids[0] if ids else value.strip()
    return text or None


def _digest(sender: str, message: EmailMessage, text: str) -> str:
    """Stands in for a missing Message-ID: the same mail twice gives the same digest."""
    parts = (sender, _header(message, "Date") or "", _header(message, "Subject") or "", text)
    return "sha256:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _header(message: Message, name: str) -> str | None:
    value = message.get(name)
    return None if value is None else str(value)


def _token(value: str) -> str:
    """The first token of a header value such as `auto-replied; owner-email=…`."""
    return value.split(";", 1)[0].strip().lower()
