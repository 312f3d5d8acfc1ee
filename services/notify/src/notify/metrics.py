"""Notify's own Prometheus counters."""

from __future__ import annotations

from prometheus_client import Counter

NOTIFICATIONS_RECORDED = Counter(
    "dvika_notify_notifications_recorded_total",
    "Notifications written (new idempotency keys), by channel and kind.",
    ["channel", "kind"],
)
NOTIFICATIONS_DELIVERED = Counter(
    "dvika_notify_deliveries_total",
    "Delivery attempts, by channel and outcome (sent, retry, dead).",
    ["channel", "outcome"],
)
NOTIFICATIONS_SUPPRESSED = Counter(
    "dvika_notify_suppressed_total",
    "Notifications not made, by reason (opted_out, stale_event).",
    ["reason"],
)
CONSOLE_PUSHES = Counter(
    "dvika_notify_console_pushes_total",
    "New console feed items published to the notifications topic, by outcome (sent, failed).",
    ["outcome"],
)
