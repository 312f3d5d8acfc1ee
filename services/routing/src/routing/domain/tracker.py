"""What routing knows about every ticket, folded from the event log, and what it decides.

Pure: events and agent snapshots go in, `Decision`s (commands to send) come out. The
process manager feeds it both topics from the beginning; until `go_live` it only folds, then
it sweeps (unrouted tickets are routed, routed unassigned open ones assigned) and from then
on decides on each new event as it comes.

A ticket is acted on only while it is open (not resolved or closed), and only once live;
with `backfill` off, tickets already in the log at start are never acted on. A ticket with
an assignee is never auto-assigned: people's assignments win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID, uuid5

from contracts.agents import AgentSnapshot
from contracts.base import Command, Event
from contracts.commands import AutoAssignTicket
from contracts.envelopes import EventEnvelope
from contracts.events import (
    PriorityChanged,
    StatusChanged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketMerged,
    TicketRouted,
    TicketSubmitted,
    TicketUnassigned,
)
from routing.domain.assignment import Assigner
from routing.domain.rules import RuleSet, route

ROUTING_NAMESPACE = UUID("0b6f4a52-3c1e-4f7d-9d8a-2e5b7c1a9f34")
DONE_STATUSES = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class Decision:
    """A command routing wants sent to the ticket's owner."""

    ticket_id: UUID
    command: Command
    # Deterministic: a re-send (after a crash or a second sweep) is deduplicated downstream.
    command_id: UUID
    causation_id: UUID
    correlation_id: UUID


@dataclass
class TicketState:
    ticket_id: UUID
    submitted_event_id: UUID
    status: str
    priority: str
    # Kept only until routed: the rules read them.
    subject: str | None
    message: str | None
    queue: str | None = None
    routed: bool = False
    route_sent: bool = False
    assignee: str | None = None
    # Chosen by routing, not yet confirmed by an event; counts towards the agent's load.
    pending_assignee: str | None = None
    last_event_id: UUID | None = None
    correlation_id: UUID | None = None
    # In the log before the service went live (ignored when backfill is off).
    known_before_live: bool = False
    ignored: bool = False

    @property
    def open(self) -> bool:
        return self.status not in DONE_STATUSES

    @property
    def holder(self) -> str | None:
        """The agent whose load this ticket adds to, if any."""
        if not self.open:
            return None
        return self.assignee or self.pending_assignee

    @property
    def waiting(self) -> bool:
        """Routed, open, and nobody has it: the next eligible agent of its queue should."""
        return (
            not self.ignored
            and self.routed
            and self.queue is not None
            and self.open
            and self.assignee is None
            and self.pending_assignee is None
        )


def command_id_for(cause: UUID, purpose: str) -> UUID:
    return uuid5(ROUTING_NAMESPACE, f"{cause}:{purpose}")


class RoutingTracker:
    def __init__(self, rules: RuleSet, assigner: Assigner | None = None) -> None:
        self.rules = rules
        self.assigner = assigner or Assigner()
        self.tickets: dict[UUID, TicketState] = {}
        self.live = False
        # Ordered (oldest first): routed open tickets nobody has yet.
        self._waiting: dict[UUID, None] = {}

    # --- input ---------------------------------------------------------------------------

    def apply_event(self, envelope: EventEnvelope, event: Event) -> list[Decision]:
        if isinstance(event, TicketSubmitted):
            if envelope.ticket_id in self.tickets:
                return []  # a duplicate read: the first one counts
            ticket = TicketState(
                ticket_id=envelope.ticket_id,
                submitted_event_id=envelope.event_id,
                status=event.status,
                priority=event.priority,
                subject=event.subject,
                message=event.message,
                known_before_live=not self.live,
            )
            self.tickets[ticket.ticket_id] = ticket
        else:
            found = self.tickets.get(envelope.ticket_id)
            if found is None:
                return []  # nothing to route without its submission
            ticket = found
        ticket.last_event_id = envelope.event_id
        ticket.correlation_id = envelope.correlation_id
        holder_before = ticket.holder
        self._evolve(ticket, event)
        self._move_load(holder_before, ticket.holder)
        self._track_waiting(ticket)
        if not self.live:
            return []
        decisions = self._decide(ticket)
        if holder_before is not None and ticket.holder != holder_before:
            # Someone's load dropped: a load-based queue may have room again.
            decisions.extend(self._sweep_waiting())
        return decisions

    def apply_agent(self, snapshot: AgentSnapshot) -> list[Decision]:
        more_room = self.assigner.update_agent(snapshot)
        if not (self.live and more_room):
            return []
        return self._sweep_waiting(queues=set(snapshot.queues))

    @property
    def waiting_count(self) -> int:
        """Routed open tickets that nobody has and nobody may take now."""
        return len(self._waiting)

    def remove_agent(self, account_id: str) -> None:
        self.assigner.remove_agent(account_id)

    def go_live(self, *, backfill: bool) -> list[Decision]:
        """Caught up with both topics: from now on, decide. Returns the start-up sweep."""
        self.live = True
        if not backfill:
            for ticket in self.tickets.values():
                if ticket.known_before_live:
                    ticket.ignored = True
                    self._waiting.pop(ticket.ticket_id, None)
        decisions: list[Decision] = []
        for ticket in self.tickets.values():
            decisions.extend(self._route_if_needed(ticket))
        decisions.extend(self._sweep_waiting())
        return decisions

    # --- folding -------------------------------------------------------------------------

    def _evolve(self, ticket: TicketState, event: Event) -> None:
        match event:
            case TicketRouted(queue=queue):
                ticket.routed, ticket.queue = True, queue
                ticket.subject = ticket.message = None
            case TicketAutoAssigned(assignee=assignee, queue=queue, strategy=strategy):
                ticket.assignee, ticket.queue, ticket.pending_assignee = assignee, queue, None
                if strategy == "round_robin" and not self.live:
                    # Live, `choose` already moved the turn on (possibly past this one).
                    self.assigner.remember_turn(queue, assignee)
            case TicketAssigned(assignee=assignee, queue=queue):
                ticket.assignee, ticket.queue, ticket.pending_assignee = assignee, queue, None
            case TicketUnassigned():
                ticket.assignee = None
            case StatusChanged(to_status=status):
                ticket.status = status
            case TicketEscalated():
                ticket.status = "escalated"
            case TicketMerged():
                ticket.status = "closed"
            case PriorityChanged(to_priority=priority):
                ticket.priority = priority
        if not ticket.open:
            # An auto-assignment still on its way is ignored by the tickets service.
            ticket.pending_assignee = None
        if ticket.status == "closed":
            ticket.subject = ticket.message = None  # final: never routed now, keep memory small

    def _move_load(self, before: str | None, after: str | None) -> None:
        if before == after:
            return
        if before is not None:
            self.assigner.add_load(before, -1)
        if after is not None:
            self.assigner.add_load(after, 1)

    def _track_waiting(self, ticket: TicketState) -> None:
        if ticket.waiting:
            self._waiting.setdefault(ticket.ticket_id, None)
        else:
            self._waiting.pop(ticket.ticket_id, None)

    # --- deciding ------------------------------------------------------------------------

    def _decide(self, ticket: TicketState) -> list[Decision]:
        decisions = self._route_if_needed(ticket)
        if ticket.waiting:
            decisions.extend(self._assign_if_possible(ticket))
        return decisions

    def _route_if_needed(self, ticket: TicketState) -> list[Decision]:
        if ticket.ignored or ticket.routed or ticket.route_sent or not ticket.open:
            return []
        if ticket.subject is None or ticket.message is None:
            return []
        ticket.route_sent = True
        verdict = route(self.rules, ticket.subject, ticket.message, ticket.priority)
        return [
            Decision(
                ticket_id=ticket.ticket_id,
                command=verdict,
                command_id=command_id_for(ticket.submitted_event_id, "route"),
                causation_id=ticket.submitted_event_id,
                correlation_id=ticket.correlation_id or ticket.submitted_event_id,
            )
        ]

    def _assign_if_possible(self, ticket: TicketState) -> list[Decision]:
        if not ticket.waiting or ticket.queue is None or ticket.last_event_id is None:
            return []
        strategy = self.rules.assignment.strategy_for(ticket.queue)
        chosen = self.assigner.choose(ticket.queue, strategy)
        if chosen is None:
            return []  # nobody may take it now: it waits for the roster or a load to change
        # `choose` counted it already; the holder moves from nobody to `chosen`.
        ticket.pending_assignee = chosen
        self._waiting.pop(ticket.ticket_id, None)
        return [
            Decision(
                ticket_id=ticket.ticket_id,
                command=AutoAssignTicket(assignee=chosen, queue=ticket.queue, strategy=strategy),
                # The ticket's state as of its last event decides: the same state, the same id.
                command_id=command_id_for(ticket.last_event_id, "auto_assign"),
                causation_id=ticket.last_event_id,
                correlation_id=ticket.correlation_id or ticket.last_event_id,
            )
        ]

    def _sweep_waiting(self, queues: Iterable[str] | None = None) -> list[Decision]:
        """Give waiting tickets (oldest first) to whoever may take them now."""
        only = set(queues) if queues is not None else None
        full: set[str] = set()
        decisions: list[Decision] = []
        for ticket_id in list(self._waiting):
            ticket = self.tickets[ticket_id]
            queue = ticket.queue
            if queue is None or queue in full or (only is not None and queue not in only):
                continue
            made = self._assign_if_possible(ticket)
            if not made:
                full.add(queue)  # nobody can take this queue's tickets: skip the rest of it
            decisions.extend(made)
        return decisions
