"""Late answers to Slack: a ticket opened after Slack's 3 s goes to the `response_url`.

The same command is sent again and awaited longer: the tickets service recognises its id and
answers with the ticket it already made (or makes it now), so the follow-up never opens a
second ticket. Only URLs under the configured prefix (Slack's hooks) are ever posted to.
"""

from __future__ import annotations

import asyncio

import httpx
import structlog

from contracts.envelopes import CommandEnvelope
from kit.command_bus import CommandBus, CommandTimeout

log = structlog.get_logger(__name__)


class SlackFollowUps:
    def __init__(
        self,
        bus: CommandBus,
        allowed_prefix: str,
        wait_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._bus = bus
        self._transport = transport
        self._prefix = allowed_prefix
        self._wait_s = wait_s
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, envelope: CommandEnvelope, subject: str, response_url: str) -> bool:
        """Begin a follow-up; False when the URL is missing or not Slack's."""
        if not response_url or not response_url.startswith(self._prefix):
            return False
        task = asyncio.create_task(self._follow_up(envelope, subject, response_url))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def drain(self) -> None:
        """Wait for the follow-ups under way (tests; shutdown)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _follow_up(self, envelope: CommandEnvelope, subject: str, url: str) -> None:
        try:
            reply = await self._bus.send(envelope, self._wait_s)
        except CommandTimeout:
            text = f"{subject}: the ticket is still being opened; try again in a minute."
        else:
            text = (
                f"Created {reply.reference}: {subject}"
                if reply.outcome == "accepted"
                else f"Could not open a ticket: {reply.reason or 'rejected'}"
            )
        try:
            async with httpx.AsyncClient(timeout=10, transport=self._transport) as client:
                answer = await client.post(url, json={"response_type": "ephemeral", "text": text})
            answer.raise_for_status()
        except httpx.HTTPError as error:
            log.warning("slack follow-up not delivered", error=repr(error))
