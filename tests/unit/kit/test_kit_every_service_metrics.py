"""Every service's app, as its `main.py` builds it, serves the same metrics at /metrics:
the kit's families, and HTTP requests under its own service label by route template.

The apps are built without starting them (no lifespan: no Kafka or MongoDB is reached).
"""

from __future__ import annotations

import importlib
import inspect
import re
import warnings
from typing import Any

import httpx
import pytest

SERVICES = ("tickets", "gateway", "intake", "routing", "sla", "notify", "analytics", "knowledge")

COMMON_FAMILIES = (
    "dvika_messages_consumed_total",
    "dvika_messages_produced_total",
    "dvika_handler_seconds",
    "dvika_handler_errors_total",
    "dvika_dead_letters_total",
    "dvika_consumer_lag",
    "dvika_projection_lag_seconds",
    "dvika_http_request_seconds",
    "dvika_websocket_connections",
)


def _build_app(service: str) -> Any:
    main = importlib.import_module(f"{service}.main")
    settings_type = next(iter(inspect.signature(main.create_app).parameters.values())).annotation
    if isinstance(settings_type, str):
        settings_type = getattr(importlib.import_module(f"{service}.settings"), settings_type)
    settings = settings_type(
        kafka_bootstrap_servers="127.0.0.1:1", mongodb_url="mongodb://127.0.0.1:1/"
    )
    return main.create_app(settings)


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_exposes_the_common_metrics(service: str) -> None:
    with warnings.catch_warnings():
        # The Kafka clients an app builds are never started here, so never closed either.
        warnings.simplefilter("ignore", ResourceWarning)
        app = _build_app(service)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/no-such-route/42")).status_code == 404
            text = (await client.get("/metrics")).text

    for family in COMMON_FAMILIES:
        assert re.search(rf"^# TYPE {family} ", text, re.M), family
    served = re.compile(
        r'^dvika_http_request_seconds_count\{method="GET",route="/healthz",'
        rf'service="{service}",status="200"\}} [1-9]',
        re.M,
    )
    assert served.search(text), f"{service} does not count its requests by route"
    unmatched = f'route="unmatched",service="{service}",status="404"'
    assert unmatched in text
    assert f'route="/no-such-route/42",service="{service}"' not in text
