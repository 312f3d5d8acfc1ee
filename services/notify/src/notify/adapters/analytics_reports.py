"""The analytics reports API (`GET /reports/{metric}` on the analytics service).

Notify calls the analytics service directly on its port, as the gateway does when it
forwards `/api/v1/reports/...`: service ports trust their network and take no credentials
(the gateway is where people sign in). Anything but a 200 with a JSON object, within the
timeout, is `ReportsUnavailable`: the digest then says its figures are unavailable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from notify.domain.digest import ReportsUnavailable


class AnalyticsReports:
    def __init__(
        self,
        base_url: str,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport
        )

    async def report(self, metric: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        try:
            answer = await self._client.get(
                f"/reports/{metric}", params=dict(params), headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as error:
            raise ReportsUnavailable(f"analytics cannot be reached: {error!r}") from error
        if answer.status_code != 200:
            raise ReportsUnavailable(
                f"analytics answered {answer.status_code} to {metric}: {answer.text[:200]}"
            )
        try:
            body = answer.json()
        except ValueError as error:
            raise ReportsUnavailable(f"analytics answered no JSON to {metric}") from error
        if not isinstance(body, dict):
            raise ReportsUnavailable(f"analytics answered no report object to {metric}")
        return body

    async def close(self) -> None:
        await self._client.aclose()
