"""Decoding of envelopes into typed commands and events, by stable type name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

from pydantic import ValidationError

from contracts.base import Command, Event
from contracts.commands import COMMAND_TYPES
from contracts.envelopes import CommandEnvelope, EventEnvelope
from contracts.events import EVENT_TYPES
from contracts.upcasting import UPCASTERS, SchemaVersionError, UpcasterTable, upcast

M = TypeVar("M", Command, Event)


class UndecodableMessage(ValueError):
    """A record that no reader can turn into a known message; `reason` says why."""


class Registry(Generic[M]):
    def __init__(self, types: Iterable[type[M]], upcasters: UpcasterTable = UPCASTERS) -> None:
        self._types: dict[str, type[M]] = {}
        for cls in types:
            if cls.TYPE in self._types:
                raise ValueError(f"type name {cls.TYPE!r} is registered twice")
            self._types[cls.TYPE] = cls
        self._upcasters = upcasters

    def model_for(self, type_name: str) -> type[M]:
        try:
            return self._types[type_name]
        except KeyError:
            raise UndecodableMessage(f"unknown message type {type_name!r}") from None

    def decode(self, type_name: str, schema_version: int, payload: Mapping[str, object]) -> M:
        model = self.model_for(type_name)
        try:
            current = upcast(
                type_name, schema_version, model.SCHEMA_VERSION, dict(payload), self._upcasters
            )
            return model.model_validate(current)
        except SchemaVersionError as error:
            raise UndecodableMessage(str(error)) from error
        except ValidationError as error:
            raise UndecodableMessage(f"invalid {type_name} payload: {_summary(error)}") from error

    @property
    def types(self) -> tuple[type[M], ...]:
        return tuple(self._types.values())


def _summary(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()
    )


COMMANDS: Registry[Command] = Registry(COMMAND_TYPES)
EVENTS: Registry[Event] = Registry(EVENT_TYPES)


def parse_command_envelope(raw: bytes) -> CommandEnvelope:
    try:
        return CommandEnvelope.model_validate_json(raw)
    except ValidationError as error:
        raise UndecodableMessage(f"invalid command envelope: {_summary(error)}") from error


def parse_event_envelope(raw: bytes) -> EventEnvelope:
    try:
        return EventEnvelope.model_validate_json(raw)
    except ValidationError as error:
        raise UndecodableMessage(f"invalid event envelope: {_summary(error)}") from error


def decode_command(envelope: CommandEnvelope) -> Command:
    return COMMANDS.decode(envelope.type, envelope.schema_version, envelope.payload)


def decode_event(envelope: EventEnvelope) -> Event:
    return EVENTS.decode(envelope.type, envelope.schema_version, envelope.payload)
