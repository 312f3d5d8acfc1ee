"""A ticket's SLA timeline, folded from its events, and what is due about it at a time.

Pure: the caller passes `now`. A `Timeline` keeps, per target, the intervals its clock ran
(absolute instants), so the time consumed is recounted under whatever policy applies now: a
priority change recomputes the due time from the new policy with the working time already
used. Facts the tickets service already recorded (clocks set, warnings, breaches, nudges)
are folded too, so a fresh process knows what not to repeat.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from uuid import UUID, uuid5

from contracts.base import Command, Event
from contracts.commands import (
    AutoCloseTicket,
    NudgeCustomer,
    RecordSlaBreach,
    RecordSlaWarning,
    SetSlaClocks,
)
from contracts.envelopes import EventEnvelope
from contracts.events import (
    CustomerNudged,
    MessagePosted,
    PriorityChanged,
    SlaBreached,
    SlaClocksSet,
    SlaWarningIssued,
    StatusChanged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketMerged,
    TicketRouted,
    TicketSubmitted,
)
from contracts.values import NudgeKind, SlaClock, SlaTarget, TicketStatus
from sla.domain.policies import SlaConfig

TARGETS: Final[tuple[SlaTarget, ...]] = ("first_response", "resolution")
# Facts automation records. Every other event is activity: it restarts the quiet of a
# resolved or waiting ticket (the tickets service clears a nudge on exactly these terms).
_AUTOMATION_FACTS: Final[tuple[type[Event], ...]] = (
    TicketRouted,
    TicketAutoAssigned,
    SlaClocksSet,
    SlaWarningIssued,
    SlaBreached,
    CustomerNudged,
)
_QUIET_KIND: Final[dict[TicketStatus, NudgeKind]] = {
    "resolved": "resolved_inactive",
    "on_hold": "waiting_on_customer",
}


@dataclass
class TargetRun:
    """When one target's clock ran: closed intervals, the open one's start, or met."""

    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    running_since: datetime | None = None
    met_at: datetime | None = None

    def pause(self, at: datetime) -> None:
        if self.running_since is not None:
            self.intervals.append((self.running_since, max(at, self.running_since)))
            self.running_since = None

    def meet(self, at: datetime) -> None:
        if self.met_at is None:
            self.pause(at)
            self.met_at = at

    def run(self, at: datetime) -> None:
        if self.met_at is None and self.running_since is None:
            self.running_since = at


@dataclass
class Quiet:
    """A resolved or waiting ticket with no activity since `since` (event `since_version`)."""

    kind: NudgeKind
    since: datetime
    since_version: int
    # Set once the tickets service recorded the nudge of this quiet spell.
    closes_at: datetime | None = None


@dataclass
class Timeline:
    ticket_id: UUID
    submitted_at: datetime
    version: int
    priority: str
    status: TicketStatus
    queue: str | None = None
    targets: dict[SlaTarget, TargetRun] = field(
        default_factory=lambda: {target: TargetRun() for target in TARGETS}
    )
    quiet: Quiet | None = None
    # Facts already in the log.
    recorded_clocks: tuple[SlaClock, ...] | None = None
    warned: set[SlaTarget] = field(default_factory=set)
    breached: set[SlaTarget] = field(default_factory=set)
    # What this process asked for and has not seen recorded yet (never asked twice).
    requested: set[UUID] = field(default_factory=set)
    requested_clocks: tuple[SlaClock, ...] | None = None

    @property
    def closed(self) -> bool:
        return self.status == "closed"


@dataclass(frozen=True)
class Action:
    """A command to send, with its deterministic id (a re-send is deduplicated)."""

    command_id: UUID
    command: Command


def start_timeline(envelope: EventEnvelope, event: TicketSubmitted) -> Timeline:
    at = envelope.occurred_at
    timeline = Timeline(
        ticket_id=envelope.ticket_id,
        submitted_at=at,
        version=envelope.version,
        priority=event.priority,
        status=event.status,
    )
    _enter_status(timeline, event.status, at)
    _track_quiet(timeline, envelope, event)
    return timeline


def fold(timeline: Timeline, envelope: EventEnvelope, event: Event) -> None:
    """Apply one event of the ticket (in version order; repeats and older ones are ignored)."""
    if envelope.version <= timeline.version:
        return
    timeline.version = envelope.version
    at = envelope.occurred_at
    match event:
        case PriorityChanged(to_priority=priority):
            timeline.priority = priority
        case TicketRouted(queue=queue) | TicketAutoAssigned(queue=queue):
            timeline.queue = queue
        case TicketAssigned(queue=queue):
            timeline.queue = queue
        case StatusChanged(to_status=status):
            _enter_status(timeline, status, at)
        case TicketEscalated():
            _enter_status(timeline, "escalated", at)
        case TicketMerged():
            _enter_status(timeline, "closed", at)
        case MessagePosted(author="agent", internal=False):
            timeline.targets["first_response"].meet(at)
        case SlaClocksSet(clocks=clocks):
            timeline.recorded_clocks = clocks
            if clocks == timeline.requested_clocks:
                timeline.requested_clocks = None
        case SlaWarningIssued(target=target):
            timeline.warned.add(target)
        case SlaBreached(target=target):
            timeline.breached.add(target)
        case CustomerNudged(kind=kind, closes_at=closes_at):
            if timeline.quiet is not None and timeline.quiet.kind == kind:
                timeline.quiet.closes_at = closes_at
        case _:
            pass
    _track_quiet(timeline, envelope, event)


def _enter_status(timeline: Timeline, status: TicketStatus, at: datetime) -> None:
    previous, timeline.status = timeline.status, status
    targets = timeline.targets
    if status in ("resolved", "closed"):
        # Resolving answers the customer too: no target keeps counting.
        for run in targets.values():
            run.meet(at)
        return
    if status == "on_hold":
        for run in targets.values():
            run.pause(at)
        return
    if previous == "resolved":
        # Reopened: the resolution clock resumes with the time it had already used.
        targets["resolution"].met_at = None
    for run in targets.values():
        run.run(at)


def _track_quiet(timeline: Timeline, envelope: EventEnvelope, event: Event) -> None:
    kind = _QUIET_KIND.get(timeline.status)
    if kind is None:
        timeline.quiet = None
        return
    quiet = timeline.quiet
    if quiet is None or quiet.kind != kind or not isinstance(event, _AUTOMATION_FACTS):
        timeline.quiet = Quiet(kind, envelope.occurred_at, envelope.version)


# --- what is due ---------------------------------------------------------------------------


def compute_clocks(timeline: Timeline, config: SlaConfig) -> tuple[SlaClock, ...]:
    """Each target as it stands: running (due_at), paused (remaining_s) or met (met_at)."""
    policy = config.policy_for(timeline.priority, timeline.queue)
    working = config.working_time(policy)
    clocks = []
    for target in TARGETS:
        run = timeline.targets[target]
        minutes = policy.minutes(target)
        base = SlaClock(
            target=target,
            policy=policy.name,
            target_minutes=minutes,
            business_hours=policy.business_hours,
        )
        if run.met_at is not None:
            clocks.append(base.model_copy(update={"met_at": run.met_at}))
            continue
        used = sum(working.working_seconds(begin, end) for begin, end in run.intervals)
        left = max(minutes * 60 - used, 0.0)
        if run.running_since is not None:
            due_at = working.add(run.running_since, left)
            clocks.append(base.model_copy(update={"due_at": due_at}))
        else:
            clocks.append(base.model_copy(update={"remaining_s": round(left)}))
    return tuple(clocks)


@dataclass(frozen=True)
class _Scheduled:
    at: datetime
    action: Action


def _schedule(
    timeline: Timeline, config: SlaConfig, clocks: tuple[SlaClock, ...], now: datetime
) -> list[_Scheduled]:
    """Every timed action the ticket still has ahead, with the instant it falls due."""
    ticket = timeline.ticket_id
    planned: list[_Scheduled] = []
    for clock in clocks:
        if clock.due_at is None:
            continue
        if clock.target not in timeline.warned:
            warning = RecordSlaWarning(target=clock.target, due_at=clock.due_at)
            command_id = uuid5(ticket, f"warn/{clock.target}")
            planned.append(
                _Scheduled(clock.due_at - config.warning_lead, Action(command_id, warning))
            )
        if clock.target not in timeline.breached:
            breach = RecordSlaBreach(target=clock.target, due_at=clock.due_at, escalate=True)
            command_id = uuid5(ticket, f"breach/{clock.target}")
            planned.append(_Scheduled(clock.due_at, Action(command_id, breach)))
    quiet = timeline.quiet
    if quiet is not None:
        rule = config.quiet_rules[quiet.kind]
        spell = f"{quiet.kind}/{quiet.since_version}"
        if quiet.closes_at is None:
            nudge_at = quiet.since + rule.nudge_after
            # A late nudge (the service was down) still leaves the customer the whole wait.
            closes_at = max(
                quiet.since + rule.close_after,
                max(now, nudge_at) + rule.close_after - rule.nudge_after,
            )
            nudge = NudgeCustomer(kind=quiet.kind, closes_at=closes_at)
            planned.append(_Scheduled(nudge_at, Action(uuid5(ticket, f"nudge/{spell}"), nudge)))
        else:
            close = AutoCloseTicket(kind=quiet.kind)
            planned.append(
                _Scheduled(quiet.closes_at, Action(uuid5(ticket, f"close/{spell}"), close))
            )
    return [item for item in planned if item.action.command_id not in timeline.requested]


def due_actions(timeline: Timeline, config: SlaConfig, now: datetime) -> list[Action]:
    """The commands to send at `now`, in order: clocks first, then warnings before breaches."""
    if timeline.closed:
        return []
    clocks = compute_clocks(timeline, config)
    actions: list[Action] = []
    if clocks != timeline.recorded_clocks and clocks != timeline.requested_clocks:
        command_id = uuid5(timeline.ticket_id, f"clocks/{timeline.version}/{_digest(clocks)}")
        actions.append(Action(command_id, SetSlaClocks(clocks=clocks)))
    due = sorted(
        (item for item in _schedule(timeline, config, clocks, now) if item.at <= now),
        key=lambda item: item.at,
    )
    actions.extend(item.action for item in due)
    return actions


def next_wake(timeline: Timeline, config: SlaConfig, now: datetime) -> datetime | None:
    """The earliest instant after `now` when something about the ticket falls due."""
    if timeline.closed:
        return None
    clocks = compute_clocks(timeline, config)
    future = [item.at for item in _schedule(timeline, config, clocks, now) if item.at > now]
    return min(future, default=None)


def mark_requested(timeline: Timeline, actions: list[Action]) -> None:
    """Remember what was sent, so it is not asked again before the log records it."""
    for action in actions:
        timeline.requested.add(action.command_id)
        if isinstance(action.command, SetSlaClocks):
            timeline.requested_clocks = action.command.clocks


def forget_requested(timeline: Timeline, actions: list[Action]) -> None:
    """Sending failed: let the next attempt ask again."""
    for action in actions:
        timeline.requested.discard(action.command_id)
        if (
            isinstance(action.command, SetSlaClocks)
            and timeline.requested_clocks == action.command.clocks
        ):
            timeline.requested_clocks = None


def _digest(clocks: tuple[SlaClock, ...]) -> str:
    text = json.dumps([clock.model_dump(mode="json") for clock in clocks], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
