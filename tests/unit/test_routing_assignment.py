"""Assignment: fair turns, loads within capacity, away agents, and people's choices kept."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts.agents import AgentSnapshot
from contracts.base import Event
from contracts.commands import AutoAssignTicket, RouteTicket
from contracts.envelopes import EventEnvelope
from contracts.events import (
    StatusChanged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketRouted,
    TicketSubmitted,
    TicketUnassigned,
)
from contracts.values import Actor
from routing.domain.assignment import Assigner
from routing.domain.rules import RuleSet, parse_rules
from routing.domain.tracker import Decision, RoutingTracker

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def agent(account_id: str, **fields: Any) -> AgentSnapshot:
    values: dict[str, Any] = {
        "account_id": account_id,
        "name": account_id.title(),
        "role": "agent",
        "queues": ("billing",),
        "available": True,
        "updated_at": NOW,
    }
    values.update(fields)
    return AgentSnapshot(**values)


def test_round_robin_over_1000_tickets_among_5_agents_is_fair() -> None:
    assigner = Assigner()
    for name in ("e", "b", "d", "a", "c"):
        assigner.update_agent(agent(name))
    given = Counter(assigner.choose("billing", "round_robin") for _ in range(1000))
    assert set(given) == {"a", "b", "c", "d", "e"}
    assert max(given.values()) - min(given.values()) <= 1


def test_round_robin_stays_fair_when_agents_come_and_go() -> None:
    assigner = Assigner()
    for name in ("a", "b", "c", "d", "e"):
        assigner.update_agent(agent(name))
    given: Counter[str | None] = Counter()
    for turn in range(1000):
        if turn == 333:
            assigner.update_agent(agent("c", available=False))
        if turn == 666:
            assigner.update_agent(agent("c", available=True))
        given[assigner.choose("billing", "round_robin")] += 1
    others = [given[name] for name in ("a", "b", "d", "e")]
    assert max(others) - min(others) <= 1
    assert None not in given


def test_load_based_never_goes_above_capacity() -> None:
    assigner = Assigner()
    capacities = {"a": 3, "b": 1, "c": 5}
    for name, capacity in capacities.items():
        assigner.update_agent(agent(name, capacity=capacity))
    chosen = [assigner.choose("billing", "load_based") for _ in range(20)]
    given = Counter(c for c in chosen if c is not None)
    assert given == Counter(capacities)
    assert chosen[sum(capacities.values()) :] == [None] * (20 - sum(capacities.values()))
    # A ticket closed frees one place, and only that one.
    assigner.add_load("b", -1)
    assert assigner.choose("billing", "load_based") == "b"
    assert assigner.choose("billing", "load_based") is None


def test_load_based_picks_the_least_loaded_then_the_smallest_id() -> None:
    assigner = Assigner()
    for name in ("c", "a", "b"):
        assigner.update_agent(agent(name))
    assigner.add_load("a", 2)
    assigner.add_load("b", 1)
    assert assigner.choose("billing", "load_based") == "c"
    # Now b and c hold one each: the smaller id first.
    assert assigner.choose("billing", "load_based") == "b"


@pytest.mark.parametrize("strategy", ["round_robin", "load_based"])
def test_an_away_agent_receives_nothing(strategy: Any) -> None:
    assigner = Assigner()
    assigner.update_agent(agent("a"))
    assigner.update_agent(agent("b", available=False))
    assigner.update_agent(agent("c", active=False))
    assigner.update_agent(agent("d", queues=("technical",)))
    given = {assigner.choose("billing", strategy) for _ in range(10)}
    assert given == {"a"}
    assigner.update_agent(agent("a", available=False))
    assert assigner.choose("billing", strategy) is None


def test_a_snapshot_that_opens_room_is_reported() -> None:
    assigner = Assigner()
    assert not assigner.update_agent(agent("a", available=False))
    assert assigner.update_agent(agent("a"))
    assert not assigner.update_agent(agent("a", name="Renamed"))
    assert assigner.update_agent(agent("a", queues=("billing", "technical")))
    assert assigner.update_agent(agent("a", queues=("billing", "technical"), capacity=30))


# --- the tracker: assignment as it follows the ticket log ------------------------------------


class Log:
    """Builds event envelopes the way the tickets service writes them."""

    def __init__(self) -> None:
        self.versions: Counter[UUID] = Counter()

    def envelope(self, ticket_id: UUID, event: Event, actor: str = "system") -> EventEnvelope:
        self.versions[ticket_id] += 1
        command_id = uuid4()
        return EventEnvelope(
            event_id=uuid4(),
            type=event.TYPE,
            schema_version=event.SCHEMA_VERSION,
            ticket_id=ticket_id,
            version=self.versions[ticket_id],
            occurred_at=NOW,
            actor=Actor(kind=actor),  # type: ignore[arg-type]
            command_id=command_id,
            correlation_id=command_id,
            causation_id=command_id,
            payload=event.model_dump(mode="json"),
        )


def submitted(subject: str = "Refund please", priority: str = "P3") -> TicketSubmitted:
    return TicketSubmitted.model_validate(
        {
            "reference": "DVK-1",
            "customer": {"name": "Ada", "email": "ada@example.com"},
            "category": "general",
            "priority": priority,
            "subject": subject,
            "message_id": str(uuid4()),
            "message": "Thanks.",
            "channel": "web",
        }
    )


def feed(tracker: RoutingTracker, log: Log, ticket_id: UUID, event: Event) -> list[Decision]:
    return tracker.apply_event(log.envelope(ticket_id, event), event)


def assignments(decisions: list[Decision]) -> list[AutoAssignTicket]:
    return [d.command for d in decisions if isinstance(d.command, AutoAssignTicket)]


@pytest.fixture
def rules() -> RuleSet:
    return parse_rules(
        {
            "queue_rules": [
                {"id": "billing", "queue": "billing", "keywords": ["refund"], "tags": ["billing"]}
            ],
            "assignment": {"queues": {"billing": "load_based"}},
        }
    )


def live_tracker(rules: RuleSet, *agents: AgentSnapshot) -> RoutingTracker:
    tracker = RoutingTracker(rules)
    for snapshot in agents:
        tracker.apply_agent(snapshot)
    assert tracker.go_live(backfill=True) == []
    return tracker


def test_a_new_ticket_is_routed_then_assigned_once_routed(rules: RuleSet) -> None:
    tracker, log, ticket = live_tracker(rules, agent("a")), Log(), uuid4()
    decisions = feed(tracker, log, ticket, submitted())
    assert [type(d.command) for d in decisions] == [RouteTicket]
    route = decisions[0].command
    assert isinstance(route, RouteTicket)
    assert (route.queue, route.tags) == ("billing", ("billing",))
    made = feed(tracker, log, ticket, TicketRouted(queue="billing", rule="billing"))
    assert assignments(made) == [
        AutoAssignTicket(assignee="a", queue="billing", strategy="load_based")
    ]
    # The same event again (a re-read) decides nothing new.
    assert feed(tracker, log, ticket, TicketRouted(queue="billing", rule="billing")) == []


def test_a_manual_assignment_is_never_overridden(rules: RuleSet) -> None:
    tracker, log, ticket = live_tracker(rules), Log(), uuid4()
    feed(tracker, log, ticket, submitted())
    # A manager assigns by hand before anyone of the queue is available.
    feed(tracker, log, ticket, TicketAssigned(assignee="manager-pick", queue=None))
    assert feed(tracker, log, ticket, TicketRouted(queue="billing", rule="billing")) == []
    assert tracker.apply_agent(agent("a")) == []
    assert tracker.tickets[ticket].assignee == "manager-pick"


def test_a_waiting_ticket_goes_to_the_first_agent_who_becomes_available(rules: RuleSet) -> None:
    tracker, log, ticket = live_tracker(rules, agent("a", available=False)), Log(), uuid4()
    feed(tracker, log, ticket, submitted())
    assert feed(tracker, log, ticket, TicketRouted(queue="billing", rule="billing")) == []
    assert tracker.apply_agent(agent("b", queues=("technical",))) == []
    made = assignments(tracker.apply_agent(agent("a")))
    assert [m.assignee for m in made] == ["a"]


def test_loads_drop_when_tickets_resolve_or_close(rules: RuleSet) -> None:
    tracker, log = live_tracker(rules, agent("a", capacity=1)), Log()
    first, second = uuid4(), uuid4()
    for ticket in (first, second):
        feed(tracker, log, ticket, submitted())
    made = feed(tracker, log, first, TicketRouted(queue="billing", rule="billing"))
    assert [m.assignee for m in assignments(made)] == ["a"]
    feed(
        tracker,
        log,
        first,
        TicketAutoAssigned(assignee="a", queue="billing", strategy="load_based"),
    )
    # `a` is full: the second waits.
    assert feed(tracker, log, second, TicketRouted(queue="billing", rule="billing")) == []
    assert tracker.assigner.load_of("a") == 1
    # Resolving the first frees `a`, who gets the second at once.
    made = feed(tracker, log, first, StatusChanged(from_status="open", to_status="resolved"))
    assert [(d.ticket_id, d.command) for d in made] == [
        (second, AutoAssignTicket(assignee="a", queue="billing", strategy="load_based"))
    ]
    feed(
        tracker,
        log,
        second,
        TicketAutoAssigned(assignee="a", queue="billing", strategy="load_based"),
    )
    assert tracker.assigner.load_of("a") == 1
    # Unassigned, the ticket is back in the pool: the one agent with room gets it again.
    made = feed(tracker, log, second, TicketUnassigned(previous_assignee="a"))
    assert [m.assignee for m in assignments(made)] == ["a"]
    assert tracker.assigner.load_of("a") == 1
    feed(tracker, log, second, StatusChanged(from_status="open", to_status="closed"))
    assert tracker.assigner.load_of("a") == 0


def test_commands_ids_are_the_same_for_the_same_log(rules: RuleSet) -> None:
    ids = []
    for _ in range(2):
        tracker, log, ticket = RoutingTracker(rules), Log(), UUID(int=7)
        tracker.apply_agent(agent("a"))
        envelope = log.envelope(ticket, submitted())
        envelope = envelope.model_copy(update={"event_id": UUID(int=1)})
        tracker.apply_event(envelope, submitted())
        ids.append([d.command_id for d in tracker.go_live(backfill=True)])
    assert ids[0] == ids[1]
    assert len(ids[0]) == 1


def test_the_backlog_is_swept_once_live(rules: RuleSet) -> None:
    tracker, log = RoutingTracker(rules), Log()
    unrouted, waiting, done = uuid4(), uuid4(), uuid4()
    for ticket in (unrouted, waiting, done):
        assert feed(tracker, log, ticket, submitted()) == []  # not live: only folded
    for ticket in (waiting, done):
        feed(tracker, log, ticket, TicketRouted(queue="billing", rule="billing"))
    feed(tracker, log, done, StatusChanged(from_status="new", to_status="closed"))
    assert tracker.apply_agent(agent("a")) == []
    sweep = tracker.go_live(backfill=True)
    assert {(d.ticket_id, type(d.command)) for d in sweep} == {
        (unrouted, RouteTicket),
        (waiting, AutoAssignTicket),
    }


def test_without_backfill_the_backlog_is_left_alone(rules: RuleSet) -> None:
    tracker, log = RoutingTracker(rules), Log()
    old, new = uuid4(), uuid4()
    feed(tracker, log, old, submitted())
    tracker.apply_agent(agent("a"))
    assert tracker.go_live(backfill=False) == []
    assert feed(tracker, log, old, TicketRouted(queue="billing", rule="billing")) == []
    assert [type(d.command) for d in feed(tracker, log, new, submitted())] == [RouteTicket]


def test_round_robin_turns_survive_a_restart() -> None:
    rules = parse_rules({"queue_rules": [{"id": "b", "queue": "billing", "keywords": ["refund"]}]})
    tracker, log = RoutingTracker(rules), Log()
    for name in ("a", "b", "c"):
        tracker.apply_agent(agent(name))
    ticket = uuid4()
    feed(tracker, log, ticket, submitted())
    feed(tracker, log, ticket, TicketRouted(queue="billing", rule="b"))
    feed(
        tracker,
        log,
        ticket,
        TicketAutoAssigned(assignee="b", queue="billing", strategy="round_robin"),
    )
    tracker.go_live(backfill=True)
    fresh = uuid4()
    feed(tracker, log, fresh, submitted())
    made = assignments(feed(tracker, log, fresh, TicketRouted(queue="billing", rule="b")))
    assert [m.assignee for m in made] == ["c"]
