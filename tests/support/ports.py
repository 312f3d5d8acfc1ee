"""Free TCP ports on 127.0.0.1 for services a test starts beside the stack."""

from __future__ import annotations

import socket

# Every port handed out in this test run: the OS may give a just-freed port out again, and two
# services (or a service and an address meant to have nothing listening) must never share one.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    for _ in range(1000):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no free port the run has not handed out already")
