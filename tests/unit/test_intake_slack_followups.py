"""A Slack ticket opened after Slack's 3 s is announced on the request's response_url."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast
from uuid import uuid4

import httpx

from contracts.envelopes import CommandEnvelope, CommandReply
from contracts.values import Actor
from intake.adapters.slack_followups import SlackFollowUps
from kit.command_bus import CommandBus, CommandTimeout

SLACK = "https://hooks.slack.com/commands/T1/B2/xyz"


class SlowThenReadyBus:
    def __init__(self, reference: str | None) -> None:
        self.reference = reference
        self.sent: list[CommandEnvelope] = []

    async def send(self, envelope: CommandEnvelope, timeout_s: float) -> CommandReply:
        self.sent.append(envelope)
        if self.reference is None:
            raise CommandTimeout("no answer")
        return CommandReply(
            command_id=envelope.command_id,
            ticket_id=envelope.ticket_id,
            reply_to="intake-test",
            outcome="accepted",
            version=1,
            reference=self.reference,
            replied_at=datetime.now(UTC),
        )


def envelope() -> CommandEnvelope:
    command_id = uuid4()
    return CommandEnvelope(
        command_id=command_id,
        type="ticket.submit",
        ticket_id=uuid4(),
        issued_at=datetime.now(UTC),
        actor=Actor(kind="customer"),
        correlation_id=command_id,
        reply_to="intake-test",
        payload={},
    )


def recorder() -> tuple[list[dict[str, Any]], httpx.MockTransport]:
    posted: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        posted.append({"url": str(request.url), **json.loads(request.content)})
        return httpx.Response(200)

    return posted, httpx.MockTransport(handle)


async def test_the_reference_follows_on_the_response_url_for_the_same_command() -> None:
    bus = SlowThenReadyBus("DVK-1042")
    posted, transport = recorder()
    followups = SlackFollowUps(cast(CommandBus, bus), "https://hooks.slack.com/", 30, transport)
    first = envelope()
    assert followups.start(first, "Printer on fire", SLACK)
    await followups.drain()
    assert posted == [
        {"url": SLACK, "response_type": "ephemeral", "text": "Created DVK-1042: Printer on fire"}
    ]
    assert [e.command_id for e in bus.sent] == [first.command_id]  # the same command again


async def test_only_slack_urls_are_posted_to() -> None:
    posted, transport = recorder()
    followups = SlackFollowUps(
        cast(CommandBus, SlowThenReadyBus("DVK-1")), "https://hooks.slack.com/", 30, transport
    )
    assert not followups.start(envelope(), "x", "http://169.254.169.254/latest/meta-data")
    assert not followups.start(envelope(), "x", "")
    await followups.drain()
    assert posted == []


async def test_a_ticket_still_not_open_says_so_instead_of_a_reference() -> None:
    posted, transport = recorder()
    followups = SlackFollowUps(
        cast(CommandBus, SlowThenReadyBus(None)), "https://hooks.slack.com/", 1, transport
    )
    assert followups.start(envelope(), "Slow", SLACK)
    await followups.drain()
    assert "still being opened" in posted[0]["text"]
