"""The knowledge service as a real process on a free port, beside the `stack`, and a gateway
of its own that forwards `/api/v1/kb/...` to it (`knowledge_gateway`).

Not a conftest pytest loads by itself: a test module names it in `pytest_plugins`. Both are
session-scoped, so every module that uses them shares one knowledge service; tests keep apart
by giving their articles unique titles.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from conftest import Stack
from support.ports import free_port
from support.processes import ServiceProcess


@pytest.fixture(scope="session")
def knowledge(stack: Stack) -> Iterator[ServiceProcess]:
    """The knowledge service on the stack's servers (articles log, tickets log, database)."""
    process = ServiceProcess("knowledge", free_port(), dict(stack.env))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def knowledge_gateway(stack: Stack, knowledge: ServiceProcess) -> Iterator[ServiceProcess]:
    """A gateway whose `/api/v1/kb/...` reaches `knowledge` (the stack's points at 8087)."""
    gateway = ServiceProcess(
        "gateway",
        free_port(),
        {
            **stack.env,
            "DVIKA_KNOWLEDGE_URL": knowledge.url,
            # Its own projection group, so the stack's gateway keeps every partition.
            "DVIKA_PROJECTION_GROUP": f"dvika-gateway-knowledge-{uuid.uuid4().hex[:8]}",
        },
    )
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
