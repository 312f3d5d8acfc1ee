"""The agent roster topic in (read from the beginning by every instance), the roster out."""

from __future__ import annotations

import structlog
from pydantic import ValidationError

from contracts.agents import AgentSnapshot
from kit.group_consumer import Record
from notify.domain.roster import Roster

log = structlog.get_logger(__name__)


class RosterFeed:
    def __init__(self, roster: Roster) -> None:
        self.roster = roster

    async def on_record(self, record: Record) -> None:
        if record.value is None:
            # A tombstone: the account is gone.
            if record.key is not None:
                self.roster.forget(record.key.decode("utf-8", errors="replace"))
            return
        try:
            snapshot = AgentSnapshot.model_validate_json(record.value)
        except ValidationError as error:
            log.warning("roster record skipped", offset=record.offset, reason=str(error))
            return
        self.roster.apply(snapshot)
