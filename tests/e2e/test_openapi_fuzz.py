"""schemathesis over the gateway's own OpenAPI document: no 5xx, no response off its schema."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Stack

pytestmark = [pytest.mark.kafka, pytest.mark.mongo, pytest.mark.slow]

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"


@pytest.mark.parametrize("caller", ["anonymous", "admin"])
async def test_the_api_holds_to_its_openapi_document(
    stack: Stack, staff_tokens: dict[str, str], caller: str
) -> None:
    headers = (
        [] if caller == "anonymous" else ["-H", f"Authorization: Bearer {staff_tokens[caller]}"]
    )
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{stack.url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "15",
        "--seed",
        "4821",
        "--phases",
        "examples,fuzzing",
        "--request-timeout",
        "20",
        # Logging out or rotating the token would end this run's own session.
        "--exclude-path-regex",
        "^/api/v1/auth/(logout|refresh)$",
        *headers,
    ]
    result = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=400
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
