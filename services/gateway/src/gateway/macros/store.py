"""Macros in the gateway's MongoDB database (collection `macros`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from pydantic import TypeAdapter
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from contracts.commands import MacroAction
from gateway.macros.rules import Macro, Scope

Document = dict[str, Any]
MACROS = "macros"
_ACTIONS = TypeAdapter(tuple[MacroAction, ...])


class MacroStore:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self._macros: AsyncCollection[Document] = client[database][MACROS]

    async def prepare(self) -> None:
        await self._macros.create_index([("scope", 1), ("owner", 1)])

    async def visible_to(self, account_id: str) -> list[Macro]:
        query = {"$or": [{"scope": "shared"}, {"scope": "personal", "owner": account_id}]}
        docs = await self._macros.find(query).sort("name", 1).to_list(500)
        return [_macro(doc) for doc in docs]

    async def get(self, macro_id: str) -> Macro | None:
        doc = await self._macros.find_one({"_id": macro_id})
        return _macro(doc) if doc else None

    async def create(
        self, name: str, scope: Scope, owner: str, actions: tuple[MacroAction, ...], now: datetime
    ) -> Macro:
        doc = {
            "_id": uuid4().hex,
            "name": name,
            "scope": scope,
            "owner": owner,
            "actions": _ACTIONS.dump_python(actions, mode="json"),
            "created_at": now,
            "updated_at": now,
        }
        await self._macros.insert_one(doc)
        return _macro(doc)

    async def update(self, macro_id: str, changes: dict[str, Any], now: datetime) -> Macro | None:
        if "actions" in changes:
            changes["actions"] = _ACTIONS.dump_python(changes["actions"], mode="json")
        doc = await self._macros.find_one_and_update(
            {"_id": macro_id},
            {"$set": {**changes, "updated_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        return _macro(doc) if doc else None

    async def delete(self, macro_id: str) -> bool:
        result = await self._macros.delete_one({"_id": macro_id})
        return result.deleted_count == 1


def _macro(doc: Document) -> Macro:
    return Macro(
        id=doc["_id"],
        name=doc["name"],
        scope=doc["scope"],
        owner=doc["owner"],
        actions=_ACTIONS.validate_python(doc["actions"]),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )
