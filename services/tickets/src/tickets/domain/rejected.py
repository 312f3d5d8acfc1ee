"""The one way the ticket aggregate refuses a command."""

from __future__ import annotations


class Rejected(Exception):
    """The command is refused; `reason` is meant for the person or system that sent it."""

    def __init__(self, reason: str, *, code: str = "conflict") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
