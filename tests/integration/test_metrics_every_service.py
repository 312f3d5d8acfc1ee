"""The running tickets service and gateway report, after a submission, the metrics every
service shares (kit.metrics), under the same names and labels: records consumed and produced
per topic, handler latency, consumer lag per partition, the read model's projection lag, HTTP
requests by route template, and the gateway's WebSocket connections.

(Every service's app serving the common families is checked in
tests/unit/kit/test_kit_every_service_metrics.py; this one watches real loops on real Kafka.)
"""

from __future__ import annotations

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families

from conftest import Stack
from contracts.topics import TICKET_COMMANDS, TICKET_EVENTS
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _scrape(url: str) -> Samples:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{url}/metrics")).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def _all(samples: Samples, name: str, **labels: str) -> dict[str, float]:
    """Every sample of `name` whose labels include `labels`, by its label set."""
    wanted = set(labels.items())
    return {
        ",".join(f"{k}={v}" for k, v in sorted(found)): value
        for (sample, found), value in samples.items()
        if sample == name and wanted <= found
    }


async def test_a_submission_shows_in_the_shared_metrics_of_tickets_and_gateway(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        created = await client.post(
            "/api/v1/tickets",
            json={
                "customer": {"name": "Metric Mo", "email": "mo@example.com"},
                "priority": "P3",
                "subject": "Counting things",
                "message": "Does this show on the dashboards?",
            },
        )
        assert created.status_code == 201, created.text
        ticket = created.json()
        read = await client.get(
            f"/api/v1/tickets/{ticket['id']}",
            params={"min_version": 1, "token": ticket["tracking_token"]},
        )
        assert read.status_code == 200, read.text

    commands, events = TICKET_COMMANDS.name, TICKET_EVENTS.name

    async def tickets_reported() -> Samples | None:
        samples = await _scrape(stack.tickets.url)
        handled = _value(
            samples, "dvika_handler_seconds_count", service="tickets", handler="command_batch"
        )
        lags = _all(samples, "dvika_consumer_lag", service="tickets", topic=commands)
        return samples if handled and lags else None

    samples = await eventually(tickets_reported, timeout_s=30, what="the tickets' metrics")
    assert (
        _value(samples, "dvika_messages_consumed_total", service="tickets", topic=commands) or 0
    ) >= 1
    assert (
        _value(samples, "dvika_messages_produced_total", service="tickets", topic=events) or 0
    ) >= 1
    # One series per command partition this instance holds, each a record count.
    lags = _all(samples, "dvika_consumer_lag", service="tickets", topic=commands)
    assert all(lag >= 0 for lag in lags.values()), lags
    assert all("partition=" in labels for labels in lags), lags

    async with websockets.connect(
        stack.customer_ws_url(ticket["id"], ticket["tracking_token"])
    ) as _connected:

        async def gateway_reported() -> Samples | None:
            samples = await _scrape(stack.gateway.url)
            lag = _value(
                samples,
                "dvika_projection_lag_seconds",
                service="gateway",
                projection="tickets_read_model",
            )
            connected = _value(samples, "dvika_websocket_connections", service="gateway")
            return samples if lag is not None and connected else None

        samples = await eventually(gateway_reported, timeout_s=30, what="the gateway's metrics")

    assert (_value(samples, "dvika_websocket_connections", service="gateway") or 0) >= 1
    assert (
        _value(samples, "dvika_messages_produced_total", service="gateway", topic=commands) or 0
    ) >= 1
    assert (
        _value(samples, "dvika_messages_consumed_total", service="gateway", topic=events) or 0
    ) >= 1
    projection = _value(
        samples, "dvika_projection_lag_seconds", service="gateway", projection="tickets_read_model"
    )
    assert projection is not None
    assert 0 <= projection < 30, "the read model answered our read, so it is not far behind"
    assert _value(
        samples, "dvika_handler_seconds_count", service="gateway", handler="tickets_read_model"
    )
    assert _all(samples, "dvika_consumer_lag", service="gateway", topic=events)
    # HTTP by route template: the ticket's id is not a label value.
    submitted = _value(
        samples,
        "dvika_http_request_seconds_count",
        service="gateway",
        method="POST",
        route="/api/v1/tickets",
        status="201",
    )
    assert (submitted or 0) >= 1
    routes = _all(samples, "dvika_http_request_seconds_count", service="gateway")
    assert not [labels for labels in routes if ticket["id"] in labels], routes
    assert [labels for labels in routes if "route=/api/v1/tickets/{" in labels], routes
