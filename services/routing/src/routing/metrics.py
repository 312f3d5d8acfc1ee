"""Routing's own Prometheus metrics (the kit's shared ones count records in and out)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

COMMANDS_SENT = Counter(
    "dvika_routing_commands_total",
    "Commands routing sent, by type (ticket.route, ticket.auto_assign) and queue.",
    ["command", "queue"],
)

WAITING_TICKETS = Gauge(
    "dvika_routing_waiting_tickets",
    "Routed open tickets nobody has, because no agent of their queue may take one now.",
)
