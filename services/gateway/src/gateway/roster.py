"""The agent roster: every staff account's `AgentSnapshot` on the agents topic.

The gateway owns staff accounts; routing follows `dvika.agents.v1` (compacted, keyed by
account id) from the beginning, so the newest snapshot per account is who may receive
tickets, in which queues, how many, and whether now. The gateway publishes an account's
snapshot after every create, update and availability change, and every account's once at
start and every `roster_republish_s` after: a crash between the MongoDB write and the publish
(or Kafka being away for a moment) heals by itself, and a record compaction dropped is
written again.

Each publish reads the account from MongoDB at that moment, under one lock per process, so
the snapshots this process sends for an account are in the order of its writes: a full
republish that read an account before a change sends before that change's own publish. (Two
replicas can still interleave; a snapshot carries the account's `updated_at` for a reader
that wants to keep the newer one.)
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiokafka import AIOKafkaProducer

from contracts.agents import AgentSnapshot
from contracts.topics import AGENTS
from gateway.identity.accounts import Account
from gateway.identity.store import AccountStore
from kit.metrics import MESSAGES_PRODUCED

log = structlog.get_logger(__name__)

# After a failed full publish, the next attempt comes this soon rather than a period later.
RETRY_AFTER_S = 5.0


def snapshot_of(account: Account) -> AgentSnapshot:
    """What routing knows of an account."""
    return AgentSnapshot(
        account_id=account.id,
        name=account.name,
        email=account.email,
        role=account.role,
        queues=account.queues,
        active=account.active,
        available=account.available,
        capacity=account.capacity,
        updated_at=account.updated_at,
    )


class RosterPublisher:
    def __init__(
        self,
        bootstrap_servers: str,
        accounts: AccountStore,
        *,
        republish_every_s: float = 0.0,
    ) -> None:
        # Idempotent and acknowledged by every in-sync replica: a snapshot routing reads is
        # one no broker failure can take back, and a retried send is not doubled.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, enable_idempotence=True, acks="all"
        )
        self._accounts = accounts
        self._republish_every_s = republish_every_s
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, keep_published: bool = True) -> None:
        """Connect; then (in the background) publish every account, retrying until it works,
        and again every `republish_every_s`."""
        await self._producer.start()
        if keep_published:
            self._task = asyncio.create_task(self._keep_published())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._producer.stop()

    async def publish_account(self, account_id: str) -> None:
        """The account's snapshot as stored now; nothing for an account that does not exist."""
        async with self._lock:
            account = await self._accounts.get(account_id)
            if account is not None:
                await self._send(snapshot_of(account))

    async def publish_all(self) -> int:
        """Every account's snapshot; returns how many."""
        async with self._lock:
            accounts = await self._accounts.list_accounts()
            sends = [
                await self._producer.send(
                    AGENTS.name,
                    snapshot_of(a).model_dump_json().encode(),
                    key=a.id.encode(),
                )
                for a in accounts
            ]
            await asyncio.gather(*sends)  # batched: one wait for all the acknowledgements
        MESSAGES_PRODUCED.labels("gateway", AGENTS.name).inc(len(accounts))
        log.info("roster published", accounts=len(accounts))
        return len(accounts)

    async def _send(self, snapshot: AgentSnapshot) -> None:
        await self._producer.send_and_wait(
            AGENTS.name, snapshot.model_dump_json().encode(), key=snapshot.account_id.encode()
        )
        MESSAGES_PRODUCED.labels("gateway", AGENTS.name).inc()

    async def _try_publish_all(self) -> bool:
        try:
            await self.publish_all()
        except Exception:
            log.exception("could not publish the roster; retrying")
            return False
        return True

    async def _keep_published(self) -> None:
        while True:
            ok = await self._try_publish_all()
            if ok and self._republish_every_s <= 0:
                return
            await asyncio.sleep(self._republish_every_s if ok else RETRY_AFTER_S)
