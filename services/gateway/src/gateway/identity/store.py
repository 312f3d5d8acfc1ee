"""Accounts, queues and refresh tokens in the gateway's MongoDB database.

Only what FerretDB 1.24 and MongoDB both do: single-document writes, unique indexes, small
`delete_many`s. No transactions: every rule that spans documents (the last admin, queue keys
that must exist) is a check before a single-document write, good enough at staff scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from contracts.agents import DEFAULT_CAPACITY
from gateway.identity.accounts import Account, Queue, normalise_email
from gateway.identity.roles import Role

ACCOUNTS = "accounts"
QUEUES = "queues"
REFRESH_TOKENS = "refresh_tokens"

Document = dict[str, Any]
RefreshUse = Literal["ok", "reused", "unknown"]


class DuplicateEmail(Exception):
    pass


class DuplicateQueue(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    account: Account
    password_hash: str


class AccountStore:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        db = client[database]
        self._accounts: AsyncCollection[Document] = db[ACCOUNTS]
        self._queues: AsyncCollection[Document] = db[QUEUES]
        self._refresh: AsyncCollection[Document] = db[REFRESH_TOKENS]

    async def prepare(self) -> None:
        """Create the indexes (idempotent); the unique ones enforce emails and queue keys."""
        await self._accounts.create_index("email", unique=True)
        await self._queues.create_index("key", unique=True)
        await self._refresh.create_index("account_id")
        await self._refresh.create_index("family")

    # --- accounts -------------------------------------------------------------------------

    async def create_account(
        self,
        *,
        email: str,
        name: str,
        role: Role,
        queues: Iterable[str],
        password_hash: str,
        active: bool,
        now: datetime,
        available: bool = False,
        capacity: int = DEFAULT_CAPACITY,
    ) -> Account:
        now = _stored(now)
        account_id = str(uuid4())
        doc = {
            "_id": account_id,
            "id": account_id,
            "email": normalise_email(email),
            "name": name,
            "role": role,
            "queues": list(queues),
            "active": active,
            "available": available,
            "capacity": capacity,
            "password_hash": password_hash,
            "created_at": now,
            "updated_at": now,
        }
        try:
            await self._accounts.insert_one(doc)
        except DuplicateKeyError:
            raise DuplicateEmail(doc["email"]) from None
        return _account(doc)

    async def get(self, account_id: str) -> Account | None:
        doc = await self._accounts.find_one({"_id": account_id}, projection={"password_hash": 0})
        return _account(doc) if doc else None

    async def get_by_email(self, email: str) -> Account | None:
        doc = await self._accounts.find_one(
            {"email": normalise_email(email)}, projection={"password_hash": 0}
        )
        return _account(doc) if doc else None

    async def credentials(self, email: str) -> Credentials | None:
        """The account and its password hash, for signing in only."""
        doc = await self._accounts.find_one({"email": normalise_email(email)})
        if doc is None or not isinstance(doc.get("password_hash"), str):
            return None
        return Credentials(_account(doc), doc["password_hash"])

    async def list_accounts(
        self, *, role: Role | None = None, active: bool | None = None
    ) -> list[Account]:
        query: Document = {}
        if role is not None:
            query["role"] = role
        if active is not None:
            query["active"] = active
        cursor = self._accounts.find(query, projection={"password_hash": 0}).sort(
            "email", ASCENDING
        )
        return [_account(doc) async for doc in cursor]

    async def update_account(
        self, account_id: str, changes: Document, *, now: datetime
    ) -> Account | None:
        """Set `changes` (name, role, queues, active, available, capacity, password_hash);
        None when unknown."""
        allowed = {"name", "role", "queues", "active", "available", "capacity", "password_hash"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        now = _stored(now)
        result = await self._accounts.update_one(
            {"_id": account_id}, {"$set": {**changes, "updated_at": now}}
        )
        if result.matched_count == 0:
            return None
        return await self.get(account_id)

    async def count_active_admins(self) -> int:
        return await self._accounts.count_documents({"role": "admin", "active": True})

    # --- queues ---------------------------------------------------------------------------

    async def create_queue(self, key: str, name: str, *, now: datetime) -> Queue:
        now = _stored(now)
        doc = {"_id": key, "key": key, "name": name, "created_at": now, "updated_at": now}
        try:
            await self._queues.insert_one(doc)
        except DuplicateKeyError:
            raise DuplicateQueue(key) from None
        return _queue(doc)

    async def get_queue(self, key: str) -> Queue | None:
        doc = await self._queues.find_one({"_id": key})
        return _queue(doc) if doc else None

    async def list_queues(self) -> list[Queue]:
        return [_queue(doc) async for doc in self._queues.find({}).sort("key", ASCENDING)]

    async def update_queue(self, key: str, name: str, *, now: datetime) -> Queue | None:
        result = await self._queues.update_one(
            {"_id": key}, {"$set": {"name": name, "updated_at": now}}
        )
        return await self.get_queue(key) if result.matched_count else None

    async def missing_queues(self, keys: Iterable[str]) -> list[str]:
        """Those of `keys` that name no queue, sorted."""
        wanted = set(keys)
        if not wanted:
            return []
        found = {doc["_id"] async for doc in self._queues.find({"_id": {"$in": sorted(wanted)}})}
        return sorted(wanted - found)

    # --- refresh tokens -------------------------------------------------------------------

    async def save_refresh(
        self, *, jti: str, account_id: str, family: str, expires_at: datetime, now: datetime
    ) -> None:
        # No TTL index on FerretDB 1.24: an account's expired tokens go when it signs in.
        await self._refresh.delete_many({"account_id": account_id, "expires_at": {"$lte": now}})
        await self._refresh.insert_one(
            {
                "_id": jti,
                "account_id": account_id,
                "family": family,
                "expires_at": expires_at,
                "created_at": now,
                "used_at": None,
            }
        )

    async def use_refresh(self, *, jti: str, account_id: str, now: datetime) -> RefreshUse:
        """Mark a refresh token used, once: "ok" the first time, "reused" after that.

        One conditional single-document update, so of two concurrent uses only one wins.
        """
        result = await self._refresh.update_one(
            {"_id": jti, "account_id": account_id, "used_at": None, "expires_at": {"$gt": now}},
            {"$set": {"used_at": now}},
        )
        if result.modified_count == 1:
            return "ok"
        seen = await self._refresh.find_one({"_id": jti, "account_id": account_id})
        return "reused" if seen is not None and seen.get("used_at") is not None else "unknown"

    async def revoke_family(self, family: str) -> int:
        return (await self._refresh.delete_many({"family": family})).deleted_count

    async def revoke_account(self, account_id: str) -> int:
        return (await self._refresh.delete_many({"account_id": account_id})).deleted_count


def _stored(moment: datetime) -> datetime:
    """`moment` as BSON keeps it (milliseconds), so what a write returns equals a later read."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _account(doc: Document) -> Account:
    return Account(
        id=doc["_id"],
        email=doc["email"],
        name=doc["name"],
        role=doc["role"],
        queues=tuple(doc.get("queues") or ()),
        active=bool(doc.get("active", True)),
        created_at=doc["created_at"],
        updated_at=doc.get("updated_at") or doc["created_at"],
        # Accounts made before availability existed: away, with the default capacity.
        available=bool(doc.get("available", False)),
        capacity=int(doc.get("capacity", DEFAULT_CAPACITY)),
    )


def _queue(doc: Document) -> Queue:
    return Queue(
        key=doc["_id"],
        name=doc["name"],
        created_at=doc["created_at"],
        updated_at=doc.get("updated_at") or doc["created_at"],
    )
