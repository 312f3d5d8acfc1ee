"""MongoDB client factory (PyMongo's native async API) and a readiness probe."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from kit.settings import ServiceSettings

# Short, so a request or readiness probe fails fast instead of hanging for PyMongo's 30 s.
SERVER_SELECTION_TIMEOUT_MS = 5_000


def make_mongo_client(settings: ServiceSettings) -> AsyncMongoClient[dict[str, Any]]:
    """A client that stores UUIDs as standard binary and returns timezone-aware datetimes.

    Nothing connects until the first operation, so this is safe to call outside a loop.
    """
    return AsyncMongoClient(
        settings.mongodb_url,
        document_class=dict,
        tz_aware=True,
        # The keyword takes the name, not the bson constant (which it rejects).
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS,
        appname=settings.service_name,
    )


async def ping_mongo(client: AsyncMongoClient[dict[str, Any]]) -> None:
    """Raise unless the deployment answers `ping` within the server selection timeout."""
    await client.admin.command("ping")
