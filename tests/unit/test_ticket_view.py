"""The gateway's ticket read model: idempotent by version, refusing gaps."""

from __future__ import annotations

from uuid import uuid4

import pytest

from gateway.domain.ticket_view import GapInEvents, apply_event
from gateway.tracking import token_matches, tracking_token
from support.events import posted, submitted

TICKET = uuid4()
SUBMITTED = submitted(TICKET, "DVK-1000")
REPLY = posted(TICKET, 2)


def test_submission_then_reply_builds_the_thread() -> None:
    view = apply_event(apply_event(None, SUBMITTED), REPLY)
    assert view is not None
    assert view["reference"] == "DVK-1000"
    assert view["version"] == 2
    assert [m["from"] for m in view["thread"]] == ["customer", "agent"]


def test_duplicate_event_changes_nothing() -> None:
    view = apply_event(apply_event(None, SUBMITTED), REPLY)
    assert apply_event(view, REPLY) is None
    assert apply_event(view, SUBMITTED) is None


def test_gap_is_refused() -> None:
    with pytest.raises(GapInEvents):
        apply_event(None, REPLY)


def test_tracking_tokens_are_per_ticket_and_any_text_is_safely_refused() -> None:
    secret = b"k" * 32
    token = tracking_token(secret, TICKET)
    assert len(token) >= 43  # 256 bits
    assert token_matches(secret, TICKET, token)
    assert not token_matches(secret, uuid4(), token)
    assert not token_matches(b"other" * 8, TICKET, token)
    assert not token_matches(secret, TICKET, "ünïcödé")
    assert not token_matches(secret, TICKET, None)
