"""The routing and SLA services as real processes beside the `stack`, for one test module.

They run with backfill off: tickets other tests submitted earlier in the session are left as
they are (a production start acts on every open ticket it finds). Not a conftest pytest loads
by itself: a test module names it in `pytest_plugins`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conftest import Stack
from support.ports import free_port
from support.processes import ServiceProcess


@dataclass
class Automation:
    routing: ServiceProcess
    sla: ServiceProcess


@pytest.fixture(scope="module")
def automation(stack: Stack) -> Iterator[Automation]:
    env = {**stack.env, "DVIKA_ROUTING_BACKFILL": "false", "DVIKA_SLA_BACKFILL": "false"}
    routing = ServiceProcess("routing", free_port(), env)
    sla = ServiceProcess("sla", free_port(), env)
    routing.start()
    try:
        sla.start()
        yield Automation(routing, sla)
    finally:
        sla.stop()
        routing.stop()
