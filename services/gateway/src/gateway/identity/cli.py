"""Console scripts: `dvika-create-admin` (the first admin) and `dvika-demo-accounts`.

Both connect with the gateway's settings (`MONGODB_URL`, `DVIKA_MONGODB_DATABASE`).

    dvika-create-admin --email ops@example.com --name "Ops Lead"   # prompts for the password
    DVIKA_ADMIN_PASSWORD=... dvika-create-admin --email ... --name ...
    dvika-demo-accounts        # development only: the four demo accounts, password dvika-demo

`dvika-demo-accounts` also publishes every account to the agent roster (`dvika.agents.v1`,
`DVIKA_KAFKA_BOOTSTRAP_SERVERS`), so the demo agent can receive tickets at once; when Kafka
cannot be reached it says so, and the gateway publishes them at its next start.

Exit status: 0 done, 1 refused (the email exists; production), 2 bad arguments or input.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import KafkaError
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from contracts.topics import AGENTS
from gateway.identity.passwords import Passwords
from gateway.identity.roles import Role
from gateway.identity.schemas import AccountCreate
from gateway.identity.service import Conflict, Identity
from gateway.identity.store import AccountStore
from gateway.identity.tokens import Tokens, new_secret
from gateway.roster import RosterPublisher
from gateway.settings import GatewaySettings
from kit.kafka import KafkaUnavailableError, ensure_topics
from kit.mongo import make_mongo_client

PASSWORD_ENV = "DVIKA_ADMIN_PASSWORD"
DEMO_PASSWORD = "dvika-demo"
PRODUCTION_REFUSAL = "refusing to create demo accounts when DVIKA_ENVIRONMENT=production"
DEMO_QUEUES = (("general", "General"), ("billing", "Billing"), ("technical", "Technical"))


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    queues: tuple[str, ...] = ()
    # Those who take tickets start available, so routing has someone to assign to.
    available: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin@demo.dvika.care", "Demo Admin", "admin"),
    DemoAccount("manager@demo.dvika.care", "Demo Manager", "manager"),
    DemoAccount(
        "agent@demo.dvika.care",
        "Demo Agent",
        "agent",
        ("general", "billing", "technical"),
        available=True,
    ),
    DemoAccount(
        "engineer@demo.dvika.care", "Demo Engineer", "engineer", ("technical",), available=True
    ),
)
# How long the script waits for Kafka before leaving the roster to the gateway's next start.
ROSTER_TIMEOUT_S = 15.0


class Refused(Exception):
    """Ends the script with status 1 and this message."""


@asynccontextmanager
async def _connected(settings: GatewaySettings) -> AsyncIterator[tuple[Identity, AccountStore]]:
    mongo = make_mongo_client(settings)
    try:
        store = AccountStore(mongo, settings.mongodb_database)
        await store.prepare()
        # These scripts issue no tokens: a throwaway key keeps them free of the JWT secret.
        yield Identity(store, Tokens(new_secret()), Passwords(), limiter=None), store
    finally:
        await mongo.close()


def _password(given: str | None) -> str:
    if given:
        return given
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise ValueError(f"give --password, set {PASSWORD_ENV}, or run in a terminal")
    first = getpass.getpass("Password for the new admin: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the passwords differ")
    return first


async def create_admin(settings: GatewaySettings, body: AccountCreate) -> str:
    async with _connected(settings) as (identity, _):
        try:
            account = await identity.create_account(body)
        except Conflict:
            raise Refused(f"an account with email {body.email.lower()} already exists") from None
    return f"created admin {account.email} (id {account.id})"


async def demo_accounts(settings: GatewaySettings) -> list[str]:
    """Create the demo queues and accounts that are missing; one line per account."""
    if settings.environment == "production":
        raise Refused(PRODUCTION_REFUSAL)
    async with _connected(settings) as (identity, store):
        for key, name in DEMO_QUEUES:
            if await store.get_queue(key) is None:
                with suppress(Conflict):  # created meanwhile by another run
                    await identity.create_queue(key, name)
        lines = [f"Demo accounts (development only), password {DEMO_PASSWORD}:"]
        for demo in DEMO_ACCOUNTS:
            state = "exists"
            if await store.get_by_email(demo.email) is None:
                body = AccountCreate(
                    email=demo.email,
                    name=demo.name,
                    role=demo.role,
                    queues=list(demo.queues),
                    password=DEMO_PASSWORD,
                    available=demo.available,
                )
                try:
                    await identity.create_account(body)
                    state = "created"
                except Conflict:
                    pass
            queues = f"queues {', '.join(demo.queues)}" if demo.queues else ""
            lines.append(f"  {demo.email:<26} {demo.role:<9} {state:<8} {queues}".rstrip())
        lines.append(await _publish_roster(settings, store))
    return lines


async def _publish_roster(settings: GatewaySettings, store: AccountStore) -> str:
    """Every account's roster snapshot, so routing knows the new ones before the gateway's
    next full publish; a failure is reported, not fatal (that publish heals it)."""
    roster = RosterPublisher(settings.kafka_bootstrap_servers, store)
    try:
        async with asyncio.timeout(ROSTER_TIMEOUT_S):
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                [AGENTS],
                timeout_s=ROSTER_TIMEOUT_S,
                replication_factor=settings.topic_replication_factor,
            )
            try:
                await roster.start(keep_published=False)
                count = await roster.publish_all()
            finally:
                await roster.stop()
    except (TimeoutError, KafkaError, KafkaUnavailableError, OSError) as error:
        return f"Roster not published ({error!r}); the gateway publishes it when it starts."
    return f"Roster: {count} accounts published to {AGENTS.name}."


def main(argv: Sequence[str] | None = None) -> int:
    """`dvika-create-admin`."""
    parser = argparse.ArgumentParser(
        prog="dvika-create-admin", description="Create an admin account (the first one)."
    )
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument(
        "--password",
        help=f"visible to other users in `ps`: prefer {PASSWORD_ENV} or the prompt",
    )
    args = parser.parse_args(argv)
    try:
        settings = GatewaySettings()
        body = AccountCreate(
            email=args.email, name=args.name, role="admin", password=_password(args.password)
        )
    except (ValueError, ValidationError) as error:
        return _fail(2, _reason(error))
    return _finish(lambda: create_admin(settings, body))


def demo_main(argv: Sequence[str] | None = None) -> int:
    """`dvika-demo-accounts`."""
    argparse.ArgumentParser(
        prog="dvika-demo-accounts",
        description="Create the demo accounts (development only) and print them.",
    ).parse_args(argv)
    # Before the settings, which may refuse production values for reasons of their own.
    if os.environ.get("DVIKA_ENVIRONMENT", "").strip().lower() == "production":
        return _fail(1, PRODUCTION_REFUSAL)
    try:
        settings = GatewaySettings()
    except ValidationError as error:
        return _fail(2, _reason(error))

    async def lines() -> str:
        return "\n".join(await demo_accounts(settings))

    return _finish(lines)


def _finish(work: Callable[[], Coroutine[Any, Any, str]]) -> int:
    try:
        print(asyncio.run(work()))
    except Refused as refused:
        return _fail(1, str(refused))
    except PyMongoError as error:
        return _fail(1, f"MongoDB did not answer: {error}")
    return 0


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    return str(error)
