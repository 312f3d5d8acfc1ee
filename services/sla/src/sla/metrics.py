"""Prometheus metrics of the SLA service (served on /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

SLA_COMMANDS = Counter(
    "dvika_sla_commands_total",
    "Commands the SLA service sent to the tickets service, by command type.",
    ["type"],
)
