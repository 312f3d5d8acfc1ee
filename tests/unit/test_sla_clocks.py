"""A ticket's SLA clocks, walked through days by a fake clock against a miniature tickets
service (the rules the real one applies to the SLA commands)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

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
    TicketRouted,
    TicketSubmitted,
)
from contracts.registry import decode_event
from contracts.values import Actor, Customer, NudgeKind, Priority, SlaClock, TicketStatus
from kit.business_calendar import BusinessCalendar
from sla.adapters.policy_file import load_policies
from sla.domain.clocks import (
    Action,
    Timeline,
    due_actions,
    fold,
    mark_requested,
    next_wake,
    start_timeline,
)
from sla.domain.policies import Policy, SlaConfig
from sla.settings import DEFAULT_POLICIES_FILE

AUTOMATION_FACTS = (
    TicketRouted,
    TicketAutoAssigned,
    SlaClocksSet,
    SlaWarningIssued,
    SlaBreached,
    CustomerNudged,
)
DEFAULTS = load_policies(DEFAULT_POLICIES_FILE)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


MON = date(2026, 11, 23)  # a Monday
FRI = date(2026, 11, 27)


def with_holidays(*days: date) -> SlaConfig:
    calendar = BusinessCalendar(holidays=frozenset(days))
    return SlaConfig(DEFAULTS.policies, calendar, DEFAULTS.warning_lead, DEFAULTS.quiet_rules)


class FakeTickets:
    """One ticket's event log, with the tickets service's rules for the SLA commands.

    Every appended event is also folded into `timeline`, as the SLA service would see it.
    """

    def __init__(self, at: datetime, priority: Priority = "P2") -> None:
        self.id = uuid4()
        self.log: list[EventEnvelope] = []
        self.status: TicketStatus = "new"
        self.nudged: NudgeKind | None = None
        self.handled: set[UUID] = set()
        self.timeline: Timeline | None = None
        submitted = TicketSubmitted(
            reference="DVK-1001",
            customer=Customer(name="Ada", email="ada@example.com"),
            category="general",
            priority=priority,
            subject="Printer on fire",
            message_id=uuid4(),
            message="Please help",
            channel="web",
        )
        self.append(at, submitted, "customer")

    # --- people and automation writing to the ticket -------------------------------------

    def append(self, at: datetime, event: Event, actor: str = "agent") -> EventEnvelope:
        command_id = uuid4()
        envelope = EventEnvelope(
            event_id=uuid4(),
            type=event.TYPE,
            schema_version=event.SCHEMA_VERSION,
            ticket_id=self.id,
            version=len(self.log) + 1,
            occurred_at=at,
            actor=Actor(kind=actor, id=None if actor == "customer" else actor),  # type: ignore[arg-type]
            command_id=command_id,
            correlation_id=command_id,
            causation_id=command_id,
            payload=event.model_dump(mode="json"),
        )
        self.log.append(envelope)
        match event:
            case StatusChanged(to_status=status):
                self.status = status
            case TicketEscalated():
                self.status = "escalated"
            case CustomerNudged(kind=kind):
                self.nudged = kind
            case _ if not isinstance(event, AUTOMATION_FACTS):
                # As the tickets service does: anything but automation's facts is activity.
                self.nudged = None
        # What the SLA service reads back is the wire form, decoded.
        decoded = decode_event(EventEnvelope.model_validate_json(envelope.model_dump_json()))
        if self.timeline is None:
            assert isinstance(decoded, TicketSubmitted)
            self.timeline = start_timeline(envelope, decoded)
        else:
            fold(self.timeline, envelope, decoded)
        return envelope

    def set_status(self, at: datetime, status: TicketStatus, actor: str = "agent") -> None:
        self.append(at, StatusChanged(from_status=self.status, to_status=status), actor)

    def reply(self, at: datetime, author: str = "agent", *, internal: bool = False) -> None:
        message = MessagePosted(
            message_id=uuid4(),
            author=author,  # type: ignore[arg-type]
            message="Looking into it",
            channel="web",
            internal=internal,
        )
        self.append(at, message, author)
        if author == "customer" and self.status in ("on_hold", "resolved"):
            self.set_status(at, "open", "customer")

    def handle(self, at: datetime, command_id: UUID, command: Command) -> None:
        """The tickets service's handling of one SLA command (repeats change nothing)."""
        if command_id in self.handled or self.status == "closed":
            return
        self.handled.add(command_id)
        match command:
            case SetSlaClocks(clocks=clocks):
                self.append(at, SlaClocksSet(clocks=clocks), "system")
            case RecordSlaWarning(target=target, due_at=due):
                if not self.recorded(SlaWarningIssued, target):
                    self.append(at, SlaWarningIssued(target=target, due_at=due), "system")
            case RecordSlaBreach(target=target, due_at=due, escalate=escalate):
                if not self.recorded(SlaBreached, target):
                    self.append(at, SlaBreached(target=target, due_at=due), "system")
                    if escalate and self.status not in ("escalated", "resolved", "closed"):
                        escalated = TicketEscalated(
                            reason=f"{target} SLA breached", tier="L2", from_status=self.status
                        )
                        self.append(at, escalated, "system")
            case NudgeCustomer(kind=kind, closes_at=closes_at):
                wanted = "resolved" if kind == "resolved_inactive" else "on_hold"
                if self.status == wanted:
                    self.append(at, CustomerNudged(kind=kind, closes_at=closes_at), "system")
            case AutoCloseTicket(kind=kind):
                if self.nudged == kind:
                    self.set_status(at, "closed", "system")

    def recorded(self, event_type: type[Event], target: str) -> bool:
        return any(e.type == event_type.TYPE and e.payload["target"] == target for e in self.log)

    def events(self, event_type: type[Event]) -> list[EventEnvelope]:
        return [e for e in self.log if e.type == event_type.TYPE]

    def times(self, event_type: type[Event], target: str | None = None) -> list[datetime]:
        return [
            e.occurred_at
            for e in self.events(event_type)
            if target is None or e.payload.get("target") == target
        ]

    @property
    def tl(self) -> Timeline:
        assert self.timeline is not None
        return self.timeline


def act(ticket: FakeTickets, now: datetime, config: SlaConfig = DEFAULTS) -> list[Action]:
    """What the SLA service does at `now`: send what is due, the tickets service handles it."""
    actions = due_actions(ticket.tl, config, now)
    mark_requested(ticket.tl, actions)
    for action in actions:
        ticket.handle(now, action.command_id, action.command)
    return actions


def walk(
    ticket: FakeTickets,
    start: datetime,
    end: datetime,
    step: timedelta = MINUTE,
    config: SlaConfig = DEFAULTS,
) -> None:
    now = start
    while now <= end:
        act(ticket, now, config)
        now += step


def clock(ticket: FakeTickets, target: str, config: SlaConfig = DEFAULTS) -> SlaClock:
    from sla.domain.clocks import compute_clocks

    return next(c for c in compute_clocks(ticket.tl, config) if c.target == target)


def types(actions: Iterable[Action]) -> list[str]:
    return [a.command.TYPE for a in actions]


# --- warnings and breaches --------------------------------------------------------------------


def test_a_p1_warns_once_30_minutes_before_and_breaches_once_at_the_deadline() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    walk(ticket, utc(MON, 10), utc(MON, 16))
    assert ticket.times(SlaWarningIssued, "first_response") == [utc(MON, 10, 30)]
    assert ticket.times(SlaBreached, "first_response") == [utc(MON, 11)]
    assert ticket.times(SlaWarningIssued, "resolution") == [utc(MON, 13, 30)]
    assert ticket.times(SlaBreached, "resolution") == [utc(MON, 14)]
    # The first breach escalated the ticket; the second found it escalated already.
    assert ticket.times(TicketEscalated) == [utc(MON, 11)]
    # Clocks were set once, at submission: nothing since changed them.
    [clocks_set] = ticket.events(SlaClocksSet)
    assert clocks_set.occurred_at == utc(MON, 10)
    clocks = SlaClocksSet.model_validate(clocks_set.payload).clocks
    assert [c.due_at for c in clocks] == [utc(MON, 11), utc(MON, 14)]
    assert all(c.policy == "P1" and not c.business_hours for c in clocks)


def test_nothing_is_due_just_before_the_warning_and_next_wake_names_it() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    assert types(act(ticket, utc(MON, 10))) == [SetSlaClocks.TYPE]
    almost = utc(MON, 10, 30) - timedelta(microseconds=1)
    assert act(ticket, almost) == []
    assert next_wake(ticket.tl, DEFAULTS, almost) == utc(MON, 10, 30)
    assert types(act(ticket, utc(MON, 10, 30))) == [RecordSlaWarning.TYPE]
    assert next_wake(ticket.tl, DEFAULTS, utc(MON, 10, 30)) == utc(MON, 11)


def test_a_late_look_sends_the_warning_before_the_breach() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    actions = act(ticket, utc(MON, 11, 5))
    assert types(actions) == [
        SetSlaClocks.TYPE,
        RecordSlaWarning.TYPE,
        RecordSlaBreach.TYPE,
    ]
    assert act(ticket, utc(MON, 11, 6)) == []


def test_command_ids_are_deterministic() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    first = due_actions(ticket.tl, DEFAULTS, utc(MON, 11, 5))
    again = due_actions(ticket.tl, DEFAULTS, utc(MON, 11, 30))
    assert [a.command_id for a in first] == [a.command_id for a in again]
    assert len({a.command_id for a in first}) == 3


# --- pauses -----------------------------------------------------------------------------------


def test_no_time_counts_while_on_hold() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    act(ticket, utc(MON, 10))
    ticket.set_status(utc(MON, 10, 10), "on_hold")
    walk(ticket, utc(MON, 10, 10), utc(MON, 12, 9))
    paused = clock(ticket, "first_response")
    assert paused.paused
    assert paused.remaining_s == 50 * 60
    assert ticket.events(SlaWarningIssued) == []
    assert ticket.events(SlaBreached) == []
    # The customer answers two hours later: 50 minutes remain from 12:10.
    ticket.reply(utc(MON, 12, 10), "customer")
    walk(ticket, utc(MON, 12, 10), utc(MON, 13, 30))
    assert clock(ticket, "first_response").due_at == utc(MON, 13)
    assert ticket.times(SlaWarningIssued, "first_response") == [utc(MON, 12, 30)]
    assert ticket.times(SlaBreached, "first_response") == [utc(MON, 13)]
    # The recorded clocks followed: running, paused, running again.
    states = [SlaClocksSet.model_validate(e.payload).clocks[0] for e in ticket.events(SlaClocksSet)]
    assert [(c.due_at, c.remaining_s) for c in states] == [
        (utc(MON, 11), None),
        (None, 3000),
        (utc(MON, 13), None),
    ]


def test_leaving_on_hold_by_escalation_resumes_the_clocks() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    ticket.set_status(utc(MON, 10, 20), "on_hold")
    ticket.append(
        utc(MON, 11), TicketEscalated(reason="VIP", tier="L2", from_status="on_hold"), "agent"
    )
    assert clock(ticket, "first_response").due_at == utc(MON, 11, 40)


# --- business hours ---------------------------------------------------------------------------


def test_business_hours_deadlines_skip_the_weekend_and_a_holiday() -> None:
    config = with_holidays(date(2026, 11, 30))  # the Monday after
    ticket = FakeTickets(utc(FRI, 15), "P2")
    walk(ticket, utc(FRI, 15), utc(date(2026, 12, 3), 12), step=10 * MINUTE, config=config)
    tuesday, wednesday = date(2026, 12, 1), date(2026, 12, 2)
    # 4 h: 2 on Friday, none on the weekend or the holiday, 2 on Tuesday.
    assert ticket.times(SlaWarningIssued, "first_response") == [utc(tuesday, 10, 30)]
    assert ticket.times(SlaBreached, "first_response") == [utc(tuesday, 11)]
    # 16 h: 2 on Friday, 8 on Tuesday, 6 on Wednesday.
    assert ticket.times(SlaBreached, "resolution") == [utc(wednesday, 15)]
    assert ticket.times(SlaWarningIssued, "resolution") == [utc(wednesday, 14, 30)]


def test_the_warning_lead_is_wall_clock_time_before_a_morning_deadline() -> None:
    # Due Tuesday 10:00 (business time): warned at 09:30, which is still working time.
    ticket = FakeTickets(utc(MON, 14), "P2")
    walk(ticket, utc(MON, 14), utc(MON + DAY, 11), step=5 * MINUTE)
    assert ticket.times(SlaWarningIssued, "first_response") == [utc(MON + DAY, 9, 30)]
    assert ticket.times(SlaBreached, "first_response") == [utc(MON + DAY, 10)]


def test_on_hold_over_a_night_pauses_business_time_too() -> None:
    ticket = FakeTickets(utc(MON, 16), "P2")
    ticket.set_status(utc(MON, 16, 30), "on_hold")
    assert clock(ticket, "first_response").remaining_s == 3.5 * 3600
    ticket.set_status(utc(MON + DAY, 14), "open")
    assert clock(ticket, "first_response").due_at == utc(MON + 2 * DAY, 9, 30)


# --- priority and queue -----------------------------------------------------------------------


def test_a_priority_change_recomputes_from_the_time_already_used() -> None:
    ticket = FakeTickets(utc(MON, 9), "P3")
    act(ticket, utc(MON, 9))
    assert clock(ticket, "first_response").due_at == utc(MON, 17)
    ticket.append(utc(MON, 11), PriorityChanged(from_priority="P3", to_priority="P2"))
    assert clock(ticket, "first_response").due_at == utc(MON, 13)
    assert clock(ticket, "first_response").policy == "P2"
    assert types(act(ticket, utc(MON, 11))) == [SetSlaClocks.TYPE]
    walk(ticket, utc(MON, 11), utc(MON, 14))
    assert ticket.times(SlaBreached, "first_response") == [utc(MON, 13)]


def test_raising_to_p1_after_the_target_passed_breaches_at_once() -> None:
    ticket = FakeTickets(utc(MON, 9), "P3")
    act(ticket, utc(MON, 9))
    ticket.append(utc(MON, 11), PriorityChanged(from_priority="P3", to_priority="P1"))
    # P1 counts calendar time: 2 h used of 1 h.
    assert types(act(ticket, utc(MON, 11))) == [
        SetSlaClocks.TYPE,
        RecordSlaWarning.TYPE,
        RecordSlaBreach.TYPE,
    ]
    assert ticket.events(SlaBreached)[0].payload["due_at"].startswith("2026-11-23T10:00")


def test_a_queue_policy_applies_once_the_ticket_is_in_that_queue() -> None:
    policies = {
        **DEFAULTS.policies,
        "billing/P2": Policy("billing/P2", 30, 120, business_hours=False),
    }
    config = SlaConfig(policies, DEFAULTS.calendar, DEFAULTS.warning_lead, DEFAULTS.quiet_rules)
    ticket = FakeTickets(utc(MON, 10), "P2")
    assert clock(ticket, "first_response", config).due_at == utc(MON, 14)
    ticket.append(utc(MON, 10, 5), TicketAssigned(assignee=None, queue="billing"), "system")
    assert clock(ticket, "first_response", config).due_at == utc(MON, 10, 30)
    assert clock(ticket, "first_response", config).policy == "billing/P2"


# --- targets met ------------------------------------------------------------------------------


def test_a_public_agent_reply_meets_first_response_and_stops_that_clock() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    ticket.reply(utc(MON, 10, 5), "agent", internal=True)  # a note is not an answer
    ticket.reply(utc(MON, 10, 10), "customer")  # nor is the customer's own
    assert clock(ticket, "first_response").due_at == utc(MON, 11)
    ticket.reply(utc(MON, 10, 20), "agent")
    walk(ticket, utc(MON, 10, 20), utc(MON, 15))
    assert clock(ticket, "first_response").met_at == utc(MON, 10, 20)
    assert ticket.times(SlaWarningIssued, "first_response") == []
    assert ticket.times(SlaBreached, "first_response") == []
    # The resolution clock still runs.
    assert ticket.times(SlaBreached, "resolution") == [utc(MON, 14)]


def test_resolving_meets_resolution_and_a_reopen_resumes_it() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    ticket.reply(utc(MON, 10, 10), "agent")
    ticket.set_status(utc(MON, 11), "resolved")
    assert clock(ticket, "resolution").met_at == utc(MON, 11)
    walk(ticket, utc(MON, 11), utc(MON, 15))
    assert ticket.events(SlaBreached) == []
    # The customer writes back on Tuesday: 3 h of the 4 h remain.
    ticket.reply(utc(MON + DAY, 9), "customer")
    assert clock(ticket, "resolution").due_at == utc(MON + DAY, 12)
    assert clock(ticket, "first_response").met_at == utc(MON, 10, 10)


# --- auto-close -------------------------------------------------------------------------------


def test_a_quiet_resolved_ticket_is_nudged_then_closed() -> None:
    ticket = FakeTickets(utc(MON, 8), "P1")
    ticket.reply(utc(MON, 9), "agent")
    ticket.set_status(utc(MON, 10), "resolved")
    walk(ticket, utc(MON, 10), utc(MON + 8 * DAY, 10), step=HOUR)
    [nudge] = ticket.events(CustomerNudged)
    assert nudge.occurred_at == utc(MON + 5 * DAY, 10)
    assert nudge.payload["kind"] == "resolved_inactive"
    assert nudge.payload["closes_at"].startswith("2026-11-30T10:00")
    [closed] = [e for e in ticket.events(StatusChanged) if e.payload["to_status"] == "closed"]
    assert closed.occurred_at == utc(MON + 7 * DAY, 10)
    assert ticket.tl.closed
    assert due_actions(ticket.tl, DEFAULTS, utc(MON + 9 * DAY, 10)) == []


def test_activity_after_the_nudge_prevents_the_close() -> None:
    ticket = FakeTickets(utc(MON, 8), "P1")
    ticket.set_status(utc(MON, 10), "on_hold")
    walk(ticket, utc(MON, 10), utc(MON + 3 * DAY, 10), step=HOUR)
    [first_nudge] = ticket.events(CustomerNudged)
    assert first_nudge.occurred_at == utc(MON + 3 * DAY, 10)
    assert first_nudge.payload["kind"] == "waiting_on_customer"
    # An agent adds a note on Friday: the quiet starts again.
    ticket.reply(utc(MON + 4 * DAY, 10), "agent", internal=True)
    walk(ticket, utc(MON + 3 * DAY, 11), utc(MON + 7 * DAY + HOUR, 10), step=HOUR)
    assert ticket.status == "on_hold"
    nudges = ticket.events(CustomerNudged)
    assert [n.occurred_at for n in nudges] == [utc(MON + 3 * DAY, 10), utc(MON + 7 * DAY, 10)]
    walk(ticket, utc(MON + 7 * DAY, 11), utc(MON + 12 * DAY, 10), step=HOUR)
    [closed] = [e for e in ticket.events(StatusChanged) if e.payload["to_status"] == "closed"]
    assert closed.occurred_at == utc(MON + 11 * DAY, 10)


def test_any_event_but_automation_facts_restarts_the_quiet() -> None:
    ticket = FakeTickets(utc(MON, 8), "P1")
    ticket.set_status(utc(MON, 10), "resolved")
    walk(ticket, utc(MON, 10), utc(MON + 6 * DAY, 9), step=HOUR)
    assert ticket.times(CustomerNudged) == [utc(MON + 5 * DAY, 10)]
    # Not a person, but not an automation fact either: the nudge is void, the quiet restarts.
    change = PriorityChanged(from_priority="P1", to_priority="P2")
    ticket.append(utc(MON + 6 * DAY, 10), change, "system")
    walk(ticket, utc(MON + 6 * DAY, 10), utc(MON + 14 * DAY, 10), step=HOUR)
    assert ticket.times(CustomerNudged) == [utc(MON + 5 * DAY, 10), utc(MON + 11 * DAY, 10)]
    [closed] = [e for e in ticket.events(StatusChanged) if e.payload["to_status"] == "closed"]
    assert closed.occurred_at == utc(MON + 13 * DAY, 10)


def test_a_late_nudge_still_gives_the_customer_the_whole_wait() -> None:
    ticket = FakeTickets(utc(MON, 8), "P1")
    ticket.set_status(utc(MON, 10), "on_hold")
    # The service looks only 10 days later: the nudge promises 4 more days, not the past.
    [nudge] = [
        a for a in act(ticket, utc(MON + 10 * DAY, 10)) if a.command.TYPE == "ticket.nudge_customer"
    ]
    assert isinstance(nudge.command, NudgeCustomer)
    assert nudge.command.closes_at == utc(MON + 14 * DAY, 10)


def test_events_are_folded_once_in_version_order() -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    ticket.set_status(utc(MON, 10, 10), "on_hold")
    duplicate = ticket.log[-1]
    ticket.set_status(utc(MON, 10, 20), "open")
    fold(ticket.tl, duplicate, decode_event(duplicate))
    assert ticket.tl.status == "open"
    assert clock(ticket, "first_response").due_at == utc(MON, 11, 10)


@pytest.mark.parametrize("status", ["closed"])
def test_nothing_is_due_for_a_closed_ticket(status: TicketStatus) -> None:
    ticket = FakeTickets(utc(MON, 10), "P1")
    ticket.set_status(utc(MON, 10, 5), status)
    assert due_actions(ticket.tl, DEFAULTS, utc(MON + DAY, 10)) == []
    assert next_wake(ticket.tl, DEFAULTS, utc(MON, 10, 5)) is None
