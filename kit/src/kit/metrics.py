"""Prometheus metrics every service reports under the same names and labels.

Defined once, here, on the default registry: a second definition of the same name would
raise at import, and one set of names lets a single dashboard cover every service.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_CONSUMED = Counter(
    "dvika_messages_consumed_total",
    "Kafka records a service consumed, by source topic.",
    ["service", "topic"],
)

MESSAGES_PRODUCED = Counter(
    "dvika_messages_produced_total",
    "Kafka records a service produced, by destination topic.",
    ["service", "topic"],
)

HANDLER_SECONDS = Histogram(
    "dvika_handler_seconds",
    "Time spent handling one record or request, by handler.",
    ["service", "handler"],
)

HANDLER_ERRORS = Counter(
    "dvika_handler_errors_total",
    "Handler invocations that raised, by handler.",
    ["service", "handler"],
)

DEAD_LETTERS_TOTAL = Counter(
    "dvika_dead_letters_total",
    "Records sent to the dead-letter topic, by the topic they came from.",
    ["service", "topic"],
)

WEBSOCKET_CONNECTIONS = Gauge(
    "dvika_websocket_connections",
    "WebSocket clients connected right now.",
    ["service"],
)
