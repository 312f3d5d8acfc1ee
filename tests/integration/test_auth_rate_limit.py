"""The login rate limit (10 attempts per minute per client address and per email), on a
gateway of its own: the shared stack turns the limit off, since every test signs in from
127.0.0.1.

This gateway has its own database and projection group, so it takes no partitions from the
stack's projection and writes nothing the other tests read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from gateway.identity.passwords import Passwords
from gateway.identity.schemas import AccountCreate
from gateway.identity.service import Identity
from gateway.identity.store import AccountStore
from gateway.identity.tokens import Tokens, new_secret
from support.processes import ServiceProcess

pytestmark = [pytest.mark.mongo, pytest.mark.kafka]

PORT = 18089
DATABASE = f"dvika_test_auth_limit_{uuid4().hex[:8]}"
PASSWORD = "a long enough passphrase"


def client_address() -> str:
    raw = uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


def email(label: str) -> str:
    return f"{label}-{uuid4().hex[:10]}@example.com"


@pytest.fixture(scope="module")
def limited_gateway(service_env: dict[str, str]) -> Iterator[ServiceProcess]:
    gateway = ServiceProcess(
        "gateway",
        PORT,
        {
            **service_env,
            "DVIKA_MONGODB_DATABASE": DATABASE,
            "DVIKA_PROJECTION_GROUP": f"dvika-gateway-projection-{DATABASE}",
            "DVIKA_LOGIN_ATTEMPTS_PER_MINUTE": "10",
            "DVIKA_PUBLIC_REQUESTS_PER_MINUTE": "5",
        },
    )
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="module")
async def accounts(
    mongo: AsyncMongoClient[dict[str, Any]],
) -> AsyncIterator[Identity]:
    yield Identity(AccountStore(mongo, DATABASE), Tokens(new_secret()), Passwords(), None)
    await mongo.drop_database(DATABASE)


@pytest.fixture
async def http(limited_gateway: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=limited_gateway.url, timeout=15, headers={"X-Forwarded-For": client_address()}
    ) as client:
        yield client


async def _login(
    http: httpx.AsyncClient, address: str, password: str, client: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": client} if client else None
    return await http.post(
        "/api/v1/auth/login", json={"email": address, "password": password}, headers=headers
    )


async def test_ten_attempts_per_minute_per_email(
    accounts: Identity, http: httpx.AsyncClient
) -> None:
    await accounts.accounts.prepare()
    account = await accounts.create_account(
        AccountCreate(email=email("target"), name="Target", password=PASSWORD)
    )
    # Each attempt from another address: only the email's limit applies.
    answers = [
        await _login(http, account.email, "wrong password", client_address()) for _ in range(11)
    ]
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert "detail" in answers[-1].json()
    # Neither the right password nor another spelling of the email gets around it.
    right = await _login(http, account.email.upper(), PASSWORD, client_address())
    assert right.status_code == 429


async def test_ten_attempts_per_minute_per_client_address(http: httpx.AsyncClient) -> None:
    statuses = [(await _login(http, email("spray"), "guess")).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    limited = await _login(http, email("x"), "guess")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another address is not limited.
    other = await _login(http, email("x"), "guess", client_address())
    assert other.status_code == 401


async def test_a_signed_in_account_is_unaffected_by_someone_else_s_limit(
    accounts: Identity, http: httpx.AsyncClient
) -> None:
    await accounts.accounts.prepare()
    account = await accounts.create_account(
        AccountCreate(email=email("fine"), name="Fine", password=PASSWORD)
    )
    for _ in range(10):
        await _login(http, email("attacker"), "guess")  # spends this test's address
    ok = await _login(http, account.email, PASSWORD, client_address())
    assert ok.status_code == 200, ok.text
    me = await http.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {ok.json()['access_token']}"}
    )
    assert me.status_code == 200


async def test_public_ticket_endpoints_are_limited_per_address(
    limited_gateway: ServiceProcess,
) -> None:
    address, other = client_address(), client_address()
    async with httpx.AsyncClient(base_url=limited_gateway.url, timeout=10) as client:
        responses = [
            (await client.get(f"/api/v1/tickets/{uuid4()}", headers={"X-Forwarded-For": address}))
            for _ in range(6)
        ]
        elsewhere = await client.get(
            f"/api/v1/tickets/{uuid4()}", headers={"X-Forwarded-For": other}
        )
    assert [r.status_code for r in responses] == [404] * 5 + [429]
    assert int(responses[-1].headers["Retry-After"]) >= 1
    assert elsewhere.status_code == 404
