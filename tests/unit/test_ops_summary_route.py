"""`GET /api/v1/ops/summary` against a fake Prometheus: a tiny HTTP server on 127.0.0.1 that
answers the query API (`/api/v1/query`) with canned vectors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.entrypoints import http_ops
from gateway.identity.accounts import Account
from gateway.identity.tokens import InvalidToken
from gateway.settings import GatewaySettings

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _account(role: str) -> Account:
    return Account(
        id=f"{role}-id",
        email=f"{role}@example.com",
        name=role,
        role=role,  # type: ignore[arg-type]
        queues=(),
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )


class FakeIdentity:
    """Access tokens are the role's name."""

    async def authenticate(self, access_token: str) -> Account:
        if access_token not in {"admin", "manager", "agent", "engineer"}:
            raise InvalidToken("unknown token")
        return _account(access_token)


class FakePrometheus:
    """Answers each known query with its vector, any other with an empty one."""

    def __init__(self) -> None:
        self.vectors: dict[str, list[dict[str, Any]]] = {}
        self.queries: list[dict[str, list[str]]] = []
        self.broken_answer: tuple[int, bytes] | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                params = parse_qs(url.query)
                fake.queries.append(params)
                if fake.broken_answer is not None:
                    code, body = fake.broken_answer
                elif url.path != "/api/v1/query":
                    code, body = 404, b"not found"
                else:
                    result = fake.vectors.get(params["query"][0], [])
                    data = {"resultType": "vector", "result": result}
                    code, body = 200, json.dumps({"status": "success", "data": data}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def set(self, column: str, values: dict[str, str]) -> None:
        self.vectors[http_ops.QUERIES[column]] = [
            {"metric": {"job": job}, "value": [1764028800.0, value]}
            for job, value in values.items()
        ]


@pytest.fixture
def prometheus() -> Iterator[FakePrometheus]:
    fake = FakePrometheus()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _client(prometheus_url: str) -> TestClient:
    app = FastAPI()
    app.state.settings = GatewaySettings(prometheus_url=prometheus_url)
    app.state.identity = FakeIdentity()
    app.include_router(http_ops.router)
    return TestClient(app)


def _get(client: TestClient, token: str | None = "admin") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/api/v1/ops/summary", headers=headers)


def test_admins_get_one_row_per_service_from_prometheus(prometheus: FakePrometheus) -> None:
    prometheus.set(
        "instances",
        {"tickets": "3", "gateway": "1", "sla": "1", "kafka": "1", "prometheus": "1"},
    )
    prometheus.set("instances_up", {"tickets": "2", "gateway": "1", "sla": "0", "kafka": "1"})
    prometheus.set("throughput", {"tickets": "12.5", "gateway": "3"})
    prometheus.set("p95_latency", {"tickets": "0.042", "gateway": "NaN"})
    prometheus.set("error_rate", {"tickets": "0", "gateway": "0.25"})
    prometheus.set("consumer_lag", {"tickets": "17", "sla": "400"})
    prometheus.set("dead_letters_1h", {"tickets": "2"})
    prometheus.set("dead_letters_total", {"tickets": "5"})
    prometheus.set("projection_lag", {"gateway": "1.5", "sla": "+Inf"})
    with _client(prometheus.url) as client:
        response = _get(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["prometheus_url"] == prometheus.url
    rows = {row["service"]: row for row in body["services"]}
    # The services first in their usual order, then the broker; never Prometheus itself.
    assert [row["service"] for row in body["services"]] == ["gateway", "tickets", "sla", "kafka"]
    assert rows["tickets"] == {
        "service": "tickets",
        "status": "degraded",
        "instances": 3,
        "instances_up": 2,
        "throughput_per_s": 12.5,
        "p95_latency_s": 0.042,
        "error_rate_per_s": 0.0,
        "consumer_lag": 17.0,
        "dead_letters_1h": 2.0,
        "dead_letters_total": 5.0,
        "projection_lag_s": None,
    }
    assert rows["gateway"]["status"] == "up"
    assert rows["gateway"]["p95_latency_s"] is None  # NaN: nothing handled lately
    assert rows["gateway"]["error_rate_per_s"] == 0.25
    assert rows["sla"]["status"] == "down"
    assert rows["sla"]["projection_lag_s"] is None  # +Inf is not a number to show
    assert rows["kafka"]["throughput_per_s"] is None
    # Every query was evaluated at the same instant.
    assert len(prometheus.queries) == len(http_ops.QUERIES)
    assert len({q["time"][0] for q in prometheus.queries}) == 1


@pytest.mark.parametrize("role", ["manager", "agent", "engineer"])
def test_other_staff_get_403(prometheus: FakePrometheus, role: str) -> None:
    with _client(prometheus.url) as client:
        response = _get(client, role)
    assert response.status_code == 403
    assert prometheus.queries == []


def test_anonymous_gets_401_and_a_bad_token_too(prometheus: FakePrometheus) -> None:
    with _client(prometheus.url) as client:
        assert _get(client, None).status_code == 401
        assert _get(client, "forged").status_code == 401
    assert prometheus.queries == []


def test_prometheus_down_answers_503_with_the_reason(prometheus: FakePrometheus) -> None:
    url = prometheus.url
    prometheus.server.shutdown()
    prometheus.server.server_close()
    with _client(url) as client:
        response = _get(client)
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert detail.startswith(f"Prometheus at {url} cannot be reached: ConnectError")


@pytest.mark.parametrize(
    ("code", "body", "reason"),
    [
        (400, b'{"status": "error", "errorType": "bad_data", "error": "parse error"}', "parse"),
        (200, b"<html>a proxy's login page</html>", "not JSON"),
        (200, b'{"status": "success", "data": {"resultType": "matrix", "result": []}}', "matrix"),
        (
            200,
            b'{"status": "success", "data": {"resultType": "vector", "result": '
            b'[{"metric": {"job": "x"}, "value": [1, "many"]}]}}',
            "malformed sample",
        ),
    ],
)
def test_an_unusable_answer_is_502_with_the_reason(
    prometheus: FakePrometheus, code: int, body: bytes, reason: str
) -> None:
    prometheus.broken_answer = (code, body)
    with _client(prometheus.url) as client:
        response = _get(client)
    assert response.status_code == 502
    assert reason in response.json()["detail"]


def test_no_scraped_jobs_is_an_empty_list(prometheus: FakePrometheus) -> None:
    with _client(prometheus.url) as client:
        response = _get(client)
    assert response.status_code == 200
    assert response.json()["services"] == []
