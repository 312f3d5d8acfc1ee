"""What arrives over HTTP, checked without I/O: partner API keys and body signatures, Slack's
request signatures, and the slash-command's text.

Every comparison of a secret-derived value is constant-time (`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

from contracts.values import Category, Customer, Frozen, MessageText, Priority, Subject

SIGNATURE_PREFIX = "sha256="
SLACK_VERSION = "v0"
# Slack's own advice: refuse requests more than five minutes away from now (replays).
SLACK_WINDOW_S = 5 * 60
SUBJECT_MAX = 200
REFERENCE_PATTERN = "DVK-"


class PartnerTicket(Frozen):
    """The body of `POST /api/v1/intake`."""

    customer: Customer
    subject: Subject
    message: MessageText
    category: Category | None = None
    priority: Priority | None = None


def hash_api_key(key: str) -> str:
    """The form an API key is stored and looked up in: its SHA-256, hex.

    A fast hash is right here, unlike for passwords: partner keys are random 256-bit tokens
    the intake hands out, so there is nothing to guess from a leaked hash by trying likely
    keys, and a slow KDF (argon2) would only cost every request time. A plain digest also
    lets the key be found by an indexed equality lookup.
    """
    return hashlib.sha256(key.encode()).hexdigest()


def body_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body>`, as `X-Dvika-Signature` carries it."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_signature_ok(secret: str | None, body: bytes, header: str | None) -> bool:
    """A partner without a signing secret needs no signature; one with a secret must send
    the right one."""
    if not secret:
        return True
    if not header:
        return False
    return hmac.compare_digest(body_signature(secret, body).encode(), header.strip().encode())


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` (Slack's request signing)."""
    base = f"{SLACK_VERSION}:{timestamp}:".encode() + body
    return f"{SLACK_VERSION}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_refusal(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> str | None:
    """Why a Slack request is refused (forged, stale, unsigned), or None when it is genuine."""
    if not timestamp or not signature:
        return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a Unix time"
    if abs(now.timestamp() - sent) > SLACK_WINDOW_S:
        return "request too old or from the future (replay window is 5 minutes)"
    expected = slack_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return "bad signature"
    return None


@dataclass(frozen=True)
class SlashCommand:
    """The fields of a slash-command request (form-encoded, as Slack posts it)."""

    command: str
    text: str
    user_id: str
    user_name: str
    team_domain: str
    response_url: str


def read_slash_command(body: bytes) -> SlashCommand:
    form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)

    def first(name: str) -> str:
        return (form.get(name) or [""])[0]

    return SlashCommand(
        command=first("command"),
        text=first("text"),
        user_id=first("user_id"),
        user_name=first("user_name"),
        team_domain=first("team_domain"),
        response_url=first("response_url"),
    )


@dataclass(frozen=True)
class NewTicket:
    subject: str
    message: str


@dataclass(frozen=True)
class StatusQuery:
    reference: str


@dataclass(frozen=True)
class Usage:
    """Anything else: the answer is the usage help."""


SlackAction = NewTicket | StatusQuery | Usage


def read_slack_text(text: str) -> SlackAction:
    """`new <words>` → a ticket; `status DVK-1234` → its status; else usage help.

    The subject is the words' first line, cut to the subject's 200 characters; the message
    is all the words.
    """
    verb, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    match verb.lower():
        case "new" if rest:
            first_line = rest.splitlines()[0].strip()
            subject = first_line if len(first_line) <= SUBJECT_MAX else first_line[:197] + "..."
            return NewTicket(subject=subject, message=rest)
        case "status" if rest and rest.upper().startswith(REFERENCE_PATTERN):
            return StatusQuery(reference=rest.split()[0].upper())
    return Usage()


def usage_text(command: str) -> str:
    name = command or "/dvika-care"
    return (
        f"Usage: `{name} new <what is wrong>` opens a ticket; "
        f"`{name} status DVK-1234` tells a ticket's status."
    )


def slack_email(user_id: str, domain: str) -> str:
    """The customer address of a Slack user: `{user_id}@{domain}` (lower case)."""
    return f"{user_id.lower()}@{domain}"
