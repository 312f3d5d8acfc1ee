"""Partners of the API and what they asked for: two intake-owned MongoDB collections.

`intake_partners` {_id: partner id, name, key_sha256, signing_secret?}: the API key is kept
only as its SHA-256 (see `hash_api_key`), found by a unique index. The signing secret is kept
as it is: checking an HMAC needs the secret itself.

`intake_api_requests` {_id: ticket id as text, partner_id, idempotency_key, reference}: one
document per (partner, Idempotency-Key) that made a ticket, so a repeat is told apart from the
first (the tickets service answers both alike) and answered 200 instead of 201. Text, not a
UUID: FerretDB 1.24 pushes no equality on a binary value down to PostgreSQL, so a UUID `_id`
made every request decode the whole collection; older documents are moved at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

from intake.domain.http_requests import hash_api_key

PARTNERS = "intake_partners"
API_REQUESTS = "intake_api_requests"


@dataclass(frozen=True)
class Partner:
    partner_id: str
    name: str
    signing_secret: str | None


class PartnerStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._partners = client[database][PARTNERS]
        self._requests = client[database][API_REQUESTS]

    async def prepare(self) -> None:
        await self._partners.create_index("key_sha256", unique=True)
        async for old in self._requests.find({"_id": {"$type": "binData"}}):
            moved = {k: v for k, v in old.items() if k != "_id"}
            await self._requests.update_one(
                {"_id": str(old["_id"])}, {"$setOnInsert": moved}, upsert=True
            )
            await self._requests.delete_one({"_id": old["_id"]})

    async def save(
        self, partner_id: str, name: str, api_key: str, signing_secret: str | None = None
    ) -> None:
        """Create or replace a partner with this key (and signing secret, if any)."""
        await self._partners.replace_one(
            {"_id": partner_id},
            {
                "_id": partner_id,
                "name": name,
                "key_sha256": hash_api_key(api_key),
                "signing_secret": signing_secret,
            },
            upsert=True,
        )

    async def by_key(self, api_key: str) -> Partner | None:
        found = await self._partners.find_one({"key_sha256": hash_api_key(api_key)})
        if found is None:
            return None
        secret = found.get("signing_secret")
        return Partner(
            partner_id=str(found["_id"]),
            name=str(found.get("name") or found["_id"]),
            signing_secret=secret if isinstance(secret, str) and secret else None,
        )

    async def first_answer(
        self,
        ticket_id: UUID,
        *,
        partner_id: str,
        idempotency_key: str,
        reference: str | None,
        now: datetime,
    ) -> bool:
        """Record that (partner, key) made `ticket_id`; True the first time, False after."""
        try:
            before = await self._requests.find_one_and_update(
                {"_id": str(ticket_id)},
                {
                    "$setOnInsert": {
                        "partner_id": partner_id,
                        "idempotency_key": idempotency_key,
                        "reference": reference,
                        "created_at": now,
                    }
                },
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError:  # a concurrent repeat inserted it first
            return False
        return before is None
