"""The identity rules are pure: importing them loads no I/O library.

import-linter's domain contract lists `gateway.domain`; these modules live beside the
adapters in `gateway.identity`, so this test holds them to the same rule.
"""

from __future__ import annotations

import subprocess
import sys

PURE = [
    "gateway.identity.roles",
    "gateway.identity.accounts",
    "gateway.identity.passwords",
    "gateway.identity.tokens",
    "gateway.identity.rate_limit",
    "gateway.identity.schemas",
]
IO = ["pymongo", "fastapi", "starlette", "aiokafka", "faststream", "httpx", "uvicorn", "kit"]


def test_pure_identity_modules_import_no_io_library() -> None:
    probe = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in PURE)
        + f"print(sorted(m for m in {IO!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
