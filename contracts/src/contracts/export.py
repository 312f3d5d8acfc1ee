"""Export JSON Schemas of every envelope and payload, and an AsyncAPI document of the topics.

`make contracts` runs this; a test fails when the committed files drift from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from contracts.base import Command, Event
from contracts.commands import COMMAND_TYPES
from contracts.envelopes import CommandEnvelope, CommandReply, DeadLetter, EventEnvelope
from contracts.events import EVENT_TYPES
from contracts.presence import PresenceSignal
from contracts.topics import ALL_TOPICS

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
ENVELOPES: tuple[type[BaseModel], ...] = (
    CommandEnvelope,
    EventEnvelope,
    CommandReply,
    DeadLetter,
    PresenceSignal,
)


def _schema_name(model: type[BaseModel]) -> str:
    type_name = getattr(model, "TYPE", None)
    if isinstance(type_name, str):
        return f"{type_name}.v{model.SCHEMA_VERSION}"  # type: ignore[attr-defined]
    return model.__name__


def schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema, for every envelope and payload."""
    out: dict[str, dict[str, Any]] = {}
    for model in (*ENVELOPES, *COMMAND_TYPES, *EVENT_TYPES):
        schema = model.model_json_schema()
        type_name = getattr(model, "TYPE", None)
        if isinstance(type_name, str):
            schema["x-message-type"] = type_name
            schema["x-schema-version"] = model.SCHEMA_VERSION  # type: ignore[attr-defined]
        out[f"{_schema_name(model)}.schema.json"] = schema
    return out


def asyncapi() -> dict[str, Any]:
    payloads: dict[str, type[Command] | type[Event]] = {m.TYPE: m for m in COMMAND_TYPES}
    payloads.update({m.TYPE: m for m in EVENT_TYPES})
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in ALL_TOPICS:
        envelope = topic.envelope.__name__
        messages[envelope] = {"name": envelope, "payload": topic.envelope.model_json_schema()}
        channels[topic.name] = {
            "address": topic.name,
            "description": topic.description,
            "messages": {envelope: {"$ref": f"#/components/messages/{envelope}"}},
            "bindings": {
                "kafka": {
                    "partitions": topic.partitions,
                    "topicConfiguration": {"retention.ms": topic.retention_ms},
                    "key": {"type": "string", "description": topic.key},
                }
            },
        }
    for type_name, model in payloads.items():
        messages[type_name] = {
            "name": type_name,
            "title": model.__name__,
            "payload": model.model_json_schema(),
            "x-schema-version": model.SCHEMA_VERSION,
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Dvika Care topics",
            "version": "1.0.0",
            "description": "Envelopes carry a payload decoded by its `type`; see components.",
        },
        "channels": channels,
        "components": {"messages": messages},
    }


def rendered() -> dict[str, str]:
    files = {name: schema for name, schema in schemas().items()}
    files["asyncapi.json"] = asyncapi()
    return {name: json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in files.items()}


def main(argv: list[str] | None = None) -> int:
    target = Path(argv[0]) if argv else SCHEMA_DIR
    target.mkdir(parents=True, exist_ok=True)
    wanted = rendered()
    for stale in target.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (target / name).write_text(text)
    print(f"wrote {len(wanted)} files to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
