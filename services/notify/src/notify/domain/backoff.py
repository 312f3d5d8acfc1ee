"""When a failed notification is tried again, and when it is given up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 1.0
    max_delay_s: float = 600.0
    max_attempts: int = 8

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: base, 2·base, 4·base, …"""
        if attempts < 1:
            raise ValueError("attempts counts from 1")
        # The exponent is capped first so a large count cannot overflow the float.
        delay: float = self.base_s * 2.0 ** min(attempts - 1, 60)
        return min(delay, self.max_delay_s)

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
