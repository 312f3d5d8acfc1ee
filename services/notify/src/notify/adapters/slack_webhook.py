"""Posting an alert to a Slack incoming webhook."""

from __future__ import annotations

from typing import Any

import httpx

from notify.adapters.smtp_mailer import PermanentFailure


class SlackWebhook:
    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self._url = url
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def post(self, payload: dict[str, Any]) -> None:
        response = await self._client.post(self._url, json=payload)
        if response.is_success:
            return
        text = f"Slack answered {response.status_code}: {response.text[:200]}"
        # 4xx other than rate limiting: the webhook or payload is wrong, retrying will not help.
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise PermanentFailure(text)
        raise RuntimeError(text)

    async def close(self) -> None:
        await self._client.aclose()
