from __future__ import annotations

import uuid

import bson
from bson.binary import Binary, UuidRepresentation

from kit.mongo import make_mongo_client
from kit.settings import ServiceSettings


async def test_client_options() -> None:
    settings = ServiceSettings(service_name="demo", mongodb_url="mongodb://127.0.0.1:1/")
    client = make_mongo_client(settings)
    try:
        options = client.codec_options
        assert options.tz_aware
        assert options.uuid_representation == UuidRepresentation.STANDARD
        assert client.options.server_selection_timeout == 5
        assert client.options.pool_options.metadata["application"] == {"name": "demo"}
        # Standard UUIDs are BSON binary subtype 4, which every driver reads alike.
        value = uuid.uuid4()
        encoded = bson.encode({"id": value}, codec_options=options)
        assert bson.decode(encoded, codec_options=options)["id"] == value
        assert bson.decode(encoded)["id"] == Binary(value.bytes, 4)
    finally:
        await client.close()
