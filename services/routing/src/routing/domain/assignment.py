"""Who gets a queue's next ticket: the roster, each agent's open load, and two strategies.

Eligible: an active, available account whose queues include the ticket's queue (any role).
- round_robin (the default): agents take turns in account-id order; the cursor is the last
  agent given a ticket of that queue, so an agent joining or leaving keeps the turn order
  fair. Capacity does not apply: turns are equal shares by design.
- load_based: the eligible agent with the fewest open tickets, below their capacity (never
  above it); ties go to the smaller account id.
Nobody eligible: no one is chosen and the ticket waits (the caller retries when the roster
or a load changes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from contracts.agents import AgentSnapshot
from contracts.values import AssignmentStrategy


class Assigner:
    def __init__(self) -> None:
        self._roster: dict[str, AgentSnapshot] = {}
        # Open tickets per agent (assigned, or chosen and not yet confirmed by an event).
        self._load: Counter[str] = Counter()
        # Per queue: the account that received the queue's last round-robin ticket.
        self._cursor: dict[str, str] = {}

    # --- what the event logs say -------------------------------------------------------

    def update_agent(self, snapshot: AgentSnapshot) -> bool:
        """Take the newest snapshot; True when the agent may now receive more than before."""
        before = self._roster.get(snapshot.account_id)
        self._roster[snapshot.account_id] = snapshot
        if not _receives(snapshot):
            return False
        return (
            before is None
            or not _receives(before)
            or not set(snapshot.queues) <= set(before.queues)
            or snapshot.capacity > before.capacity
        )

    def remove_agent(self, account_id: str) -> None:
        """A deleted key (compaction tombstone): the account is gone."""
        self._roster.pop(account_id, None)

    def add_load(self, account_id: str, delta: int) -> None:
        self._load[account_id] += delta
        if self._load[account_id] <= 0:
            del self._load[account_id]

    def remember_turn(self, queue: str, account_id: str) -> None:
        """A round-robin assignment seen in the log (restores the cursor after a restart)."""
        self._cursor[queue] = account_id

    # --- questions -----------------------------------------------------------------------

    def load_of(self, account_id: str) -> int:
        return self._load[account_id]

    def agent(self, account_id: str) -> AgentSnapshot | None:
        return self._roster.get(account_id)

    def eligible(self, queue: str) -> list[AgentSnapshot]:
        """The agents who may receive a ticket of `queue` now, by account id."""
        return sorted(
            (a for a in self._roster.values() if _receives(a) and queue in a.queues),
            key=lambda a: a.account_id,
        )

    def choose(self, queue: str, strategy: AssignmentStrategy) -> str | None:
        """The agent to give the queue's next ticket to, or None (nobody may take it).

        The choice counts at once: its load rises and the round-robin turn moves on, so a
        burst of tickets spreads before their assignments come back as events.
        """
        candidates = self.eligible(queue)
        if strategy == "load_based":
            chosen = _least_loaded(candidates, self._load)
        else:
            chosen = _next_turn(candidates, self._cursor.get(queue))
        if chosen is None:
            return None
        if strategy == "round_robin":
            self._cursor[queue] = chosen
        self.add_load(chosen, 1)
        return chosen


def _receives(agent: AgentSnapshot) -> bool:
    return agent.active and agent.available


def _least_loaded(candidates: Iterable[AgentSnapshot], load: Counter[str]) -> str | None:
    below_capacity = [a for a in candidates if load[a.account_id] < a.capacity]
    if not below_capacity:
        return None
    return min(below_capacity, key=lambda a: (load[a.account_id], a.account_id)).account_id


def _next_turn(candidates: list[AgentSnapshot], last: str | None) -> str | None:
    if not candidates:
        return None
    if last is not None:
        for agent in candidates:
            if agent.account_id > last:
                return agent.account_id
    return candidates[0].account_id
