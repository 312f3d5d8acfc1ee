"""Notify's domain: which ticket events notify whom, opt-outs, and the facts it folds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from contracts.agents import AgentSnapshot
from contracts.base import Event
from contracts.events import (
    CategoryChanged,
    CustomerNudged,
    MessagePosted,
    PriorityChanged,
    SlaBreached,
    SlaWarningIssued,
    StatusChanged,
    TicketAssigned,
    TicketAutoAssigned,
    TicketEscalated,
    TicketRated,
    TicketRouted,
    TicketSubmitted,
    TicketUnassigned,
)
from contracts.values import Customer
from gateway.tracking import tracking_token as gateway_tracking_token
from notify.domain.console_feed import FeedItem, feed_items
from notify.domain.links import Links, tracking_token
from notify.domain.notifications import Alerts, Intent, allowed, decide, idempotency_key
from notify.domain.roster import Roster
from notify.domain.ticket_facts import (
    RECENT_MESSAGES,
    TicketFacts,
    facts_from_submission,
    fold,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SECRET = b"development-only-tracking-secret"
LINKS = Links(SECRET, "https://help.example.com", "https://console.example.com")
ALERTS = Alerts(enabled=True)
TICKET = UUID("3f6c2a9e-8b1d-4c57-9e0a-2d4b7c1e5f80")


def agent(
    account_id: str, *, email: str | None = None, role: str = "agent", **kw: object
) -> AgentSnapshot:
    return AgentSnapshot.model_validate(
        {"account_id": account_id, "name": account_id.title(), "email": email, "role": role,
         "updated_at": T0, **kw}
    )  # fmt: skip


ROSTER = Roster(
    [
        agent("asha", email="asha@staff.example.com"),
        agent("bo", email=None),
        agent("cy", email="cy@staff.example.com", active=False),
        agent("meena", email="meena@staff.example.com", role="manager"),
    ]
)


def submitted(priority: str = "P3") -> TicketSubmitted:
    return TicketSubmitted.model_validate(
        {"reference": "DVK-1004", "customer": {"name": "Ada", "email": "ada@example.com"},
         "category": "billing", "priority": priority, "subject": "Charged twice",
         "message_id": uuid4(), "message": "My card was charged twice.", "channel": "web"}
    )  # fmt: skip


def start(priority: str = "P3") -> TicketFacts:
    return facts_from_submission(TICKET, 1, T0, submitted(priority))


def run(
    event: Event,
    before: TicketFacts | None = None,
    *,
    actor: str | None = "asha",
    alerts: Alerts = ALERTS,
) -> list[Intent]:
    before = before if before is not None else start()
    after = fold(before, before.version + 1, T0 + timedelta(minutes=before.version), event)
    return decide(
        event_id=uuid4(), event=event, actor_id=actor, before=before, after=after,
        roster=ROSTER, links=LINKS, alerts=alerts,
    )  # fmt: skip


def kinds(intents: Sequence[Intent]) -> list[tuple[str, str, str]]:
    return [(i.channel, i.kind, i.recipient) for i in intents]


def reply(
    message: str = "We refunded you.", *, internal: bool = False, author: str = "agent"
) -> MessagePosted:
    return MessagePosted.model_validate(
        {"message_id": uuid4(), "author": author, "message": message, "channel": "web",
         "internal": internal}
    )  # fmt: skip


# --- customers ---------------------------------------------------------------------------------


def test_a_submission_confirms_to_the_customer_with_the_gateways_tracking_link() -> None:
    event = submitted()
    after = facts_from_submission(TICKET, 1, T0, event)
    [intent] = decide(
        event_id=uuid4(), event=event, actor_id=None, before=None, after=after,
        roster=ROSTER, links=LINKS, alerts=ALERTS,
    )  # fmt: skip
    assert (intent.channel, intent.kind, intent.recipient) == (
        "email",
        "ticket_received",
        "ada@example.com",
    )
    token = gateway_tracking_token(SECRET, TICKET)
    assert (
        intent.context["tracking_url"]
        == f"https://help.example.com/support/track/DVK-1004?token={token}"
    )
    assert intent.context["reference"] == "DVK-1004"


def test_the_tracking_token_is_the_gateways() -> None:
    for ticket_id in (TICKET, uuid4(), str(uuid4())):
        for secret in (SECRET, b"another secret of some length"):
            assert tracking_token(secret, ticket_id) == gateway_tracking_token(secret, ticket_id)


def test_a_p1_submission_alerts_slack_only_when_a_webhook_is_configured() -> None:
    event = submitted("P1")
    after = facts_from_submission(TICKET, 1, T0, event)
    for alerts, expected in ((ALERTS, 2), (Alerts(enabled=False), 1)):
        found = decide(
            event_id=uuid4(), event=event, actor_id=None, before=None, after=after,
            roster=ROSTER, links=LINKS, alerts=alerts,
        )  # fmt: skip
        assert len(found) == expected
    [_, alert] = decide(
        event_id=uuid4(), event=event, actor_id=None, before=None, after=after,
        roster=ROSTER, links=LINKS, alerts=ALERTS,
    )  # fmt: skip
    assert (alert.channel, alert.kind, alert.recipient) == (
        "slack",
        "p1_ticket",
        "#dvika-care-alerts",
    )
    assert alert.context["console_url"] == f"https://console.example.com/admin?ticket={TICKET}"


def test_a_public_agent_reply_is_mailed_with_the_threads_context() -> None:
    [intent] = run(reply("We refunded you."))
    assert kinds([intent]) == [("email", "agent_reply", "ada@example.com")]
    assert intent.context["message"] == "We refunded you."
    assert intent.context["agent_name"] == "Asha"
    # The thread before the reply, newest first, without the reply itself.
    assert [entry["text"] for entry in intent.context["thread"]] == ["My card was charged twice."]


@pytest.mark.parametrize(
    "event",
    [reply("Legacy plan, be careful", internal=True), reply("Here it is", author="customer")],
    ids=["internal note", "customer message"],
)
def test_internal_notes_and_the_customers_own_messages_are_never_mailed(event: Event) -> None:
    assert run(event) == []


def test_internal_notes_never_reach_the_thread_context_of_a_later_reply() -> None:
    facts = start()
    facts = fold(facts, 2, T0, reply("SECRET: legacy plan", internal=True))
    [intent] = run(reply("Public answer"), facts)
    assert all("SECRET" not in entry["text"] for entry in intent.context["thread"])


def test_on_hold_asks_for_information_and_resolved_carries_the_rating_link() -> None:
    [waiting] = run(StatusChanged(from_status="open", to_status="on_hold", reason="Which card?"))
    assert (waiting.kind, waiting.context["reason"]) == ("waiting_on_customer", "Which card?")
    [resolved] = run(StatusChanged(from_status="open", to_status="resolved"))
    assert resolved.kind == "resolved"
    assert resolved.context["rating_url"] == resolved.context["tracking_url"] + "#rating-title"


@pytest.mark.parametrize("to_status", ["open", "in_progress", "closed"])
def test_other_status_changes_notify_nobody(to_status: str) -> None:
    assert run(StatusChanged.model_validate({"from_status": "new", "to_status": to_status})) == []


def test_a_nudge_reminds_the_customer() -> None:
    closes = T0 + timedelta(days=3)
    [intent] = run(CustomerNudged(kind="waiting_on_customer", closes_at=closes))
    assert (intent.kind, intent.context["closes_at"]) == ("nudge", closes)


@pytest.mark.parametrize(
    "event",
    [
        CategoryChanged(from_category="billing", to_category="technical"),
        TicketRated(rating="good"),
        TicketRouted(queue="billing", rule="billing.default"),
        TicketUnassigned(previous_assignee="asha"),
        PriorityChanged(from_priority="P1", to_priority="P2"),
    ],
)
def test_events_that_matter_to_nobody_notify_nobody(event: Event) -> None:
    assert run(event) == []


# --- agents --------------------------------------------------------------------------------------


def test_an_agent_hears_of_an_assignment_by_a_colleague_or_by_routing() -> None:
    [manual] = run(TicketAssigned(assignee="asha", queue="billing"), actor="meena")
    assert kinds([manual]) == [("email", "assigned", "asha@staff.example.com")]
    assert (manual.audience, manual.context["assigned_by"]) == ("agent", "a colleague")
    automatic = TicketAutoAssigned(assignee="asha", queue="billing", strategy="round_robin")
    [routed] = run(automatic, actor=None)
    assert routed.context["assigned_by"] == "routing"


@pytest.mark.parametrize(
    ("assignee", "actor", "already"),
    [
        ("asha", "asha", None),  # took it themselves
        ("asha", "meena", "asha"),  # no change
        ("bo", "meena", None),  # no email in the roster
        ("cy", "meena", None),  # deactivated
        ("nobody", "meena", None),  # not in the roster
    ],
)
def test_no_assignment_mail_when_nobody_needs_or_can_get_it(
    assignee: str, actor: str, already: str | None
) -> None:
    before = fold(start(), 2, T0, TicketAssigned(assignee=already, queue="billing"))
    assert run(TicketAssigned(assignee=assignee, queue="billing"), before, actor=actor) == []


# --- the alerts channel --------------------------------------------------------------------------


def test_raising_a_ticket_to_p1_escalations_and_sla_events_alert_slack() -> None:
    due = T0 + timedelta(minutes=30)
    events: list[tuple[Event, str]] = [
        (PriorityChanged(from_priority="P3", to_priority="P1"), "p1_ticket"),
        (TicketEscalated(reason="Outage", tier="L2", from_status="open"), "escalated"),
        (SlaWarningIssued(target="first_response", due_at=due), "sla_warning"),
        (SlaBreached(target="resolution", due_at=due), "sla_breached"),
    ]
    for event, kind in events:
        assert kinds(run(event)) == [("slack", kind, "#dvika-care-alerts")]
        assert run(event, alerts=Alerts(enabled=False)) == []


# --- opt-outs and keys ---------------------------------------------------------------------------


def test_an_opted_out_customer_hears_only_replies_to_their_own_ticket() -> None:
    def intent(kind: str, audience: str = "customer") -> Intent:
        return Intent(kind, "email", "ada@example.com", audience, "e1", TICKET)  # type: ignore[arg-type]

    assert allowed(intent("agent_reply"), opted_out=True)
    for kind in ("ticket_received", "waiting_on_customer", "resolved", "nudge"):
        assert not allowed(intent(kind), opted_out=True)
        assert allowed(intent(kind), opted_out=False)
    # Staff mail is not the customer's to opt out of.
    assert allowed(intent("assigned", "agent"), opted_out=True)


def test_the_idempotency_key_is_event_channel_and_recipient() -> None:
    event_id = str(uuid4())
    assert (
        idempotency_key(event_id, "email", "Ada@Example.com ")
        == f"{event_id}:email:ada@example.com"
    )
    a = Intent("resolved", "email", "ada@example.com", "customer", event_id, TICKET)
    b = Intent("resolved", "email", "ADA@example.com", "customer", event_id, TICKET)
    c = Intent("resolved", "slack", "ada@example.com", "customer", event_id, TICKET)
    assert a.key == b.key != c.key


# --- folding ---------------------------------------------------------------------------------


def test_folding_keeps_the_last_public_messages_and_the_digest_times() -> None:
    facts = start()
    for n in range(2, 10):
        facts = fold(facts, n, T0, reply(f"message {n}", internal=n == 9))
    assert facts.version == 9
    assert len(facts.recent) == RECENT_MESSAGES
    assert [e.text for e in facts.recent][-1] == "message 8"
    facts = fold(
        facts,
        10,
        T0 + timedelta(hours=1),
        TicketEscalated(reason="x", tier="L2", from_status="open"),
    )
    facts = fold(facts, 11, T0 + timedelta(hours=2), SlaBreached(target="resolution", due_at=T0))
    assert (facts.status, facts.escalated_at, facts.breached_at) == (
        "escalated", T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    )  # fmt: skip
    facts = fold(
        facts, 12, T0, TicketAutoAssigned(assignee="asha", queue="vip", strategy="load_based")
    )
    assert (facts.assignee, facts.queue) == ("asha", "vip")
    facts = fold(facts, 13, T0, TicketUnassigned(previous_assignee="asha"))
    assert facts.assignee is None


def test_a_long_message_is_cut_in_the_facts() -> None:
    facts = fold(start(), 2, T0, reply("x" * 19_000))
    assert len(facts.recent[-1].text) <= 2000
    assert facts.recent[-1].text.endswith("…")


def test_the_roster_keeps_the_newest_snapshot_and_lists_managers() -> None:
    roster = Roster([agent("asha", email="new@staff.example.com")])
    roster.apply(agent("asha", email="old@staff.example.com", updated_at=T0 - timedelta(days=1)))
    assert roster.email_of("asha") == "new@staff.example.com"
    assert [m.account_id for m in ROSTER.managers()] == ["meena"]
    roster.forget("asha")
    assert roster.email_of("asha") is None


def test_customer_facts_come_from_the_submission() -> None:
    facts = start("P2")
    assert (facts.reference, facts.customer_email, facts.priority, facts.status) == (
        "DVK-1004", "ada@example.com", "P2", "new"
    )  # fmt: skip
    assert Customer(name="Ada", email="ada@example.com").name == facts.customer_name


# --- the console feed ------------------------------------------------------------------------


def feed(event: Event, before: TicketFacts, actor: str | None = "meena") -> list[FeedItem]:
    after = fold(before, before.version + 1, T0, event)
    return feed_items(
        event_id=uuid4(), event=event, actor_id=actor, occurred_at=T0, before=before, after=after
    )


def test_the_console_feed_tells_the_assignee_what_needs_them() -> None:
    [assigned] = feed(TicketAssigned(assignee="asha", queue="billing"), start())
    assert (assigned.account_id, assigned.kind, assigned.text) == (
        "asha", "assigned", "DVK-1004 was assigned to you"
    )  # fmt: skip
    assert assigned.key.endswith(":console:asha")
    mine = fold(start(), 2, T0, TicketAssigned(assignee="asha", queue="billing"))
    [replied] = feed(reply("Still broken", author="customer"), mine, actor=None)
    assert (replied.kind, replied.text) == ("customer_replied", "Ada replied on DVK-1004")
    due = T0 + timedelta(minutes=30)
    [risk] = feed(SlaWarningIssued(target="first_response", due_at=due), mine, actor=None)
    assert risk.text == "DVK-1004 at risk: first response due 09:30 UTC"
    [breach] = feed(SlaBreached(target="resolution", due_at=due), mine, actor=None)
    assert breach.kind == "sla_breached"


def test_the_console_feed_stays_quiet_without_an_assignee_or_for_ones_own_actions() -> None:
    assert feed(reply("Hello?", author="customer"), start(), actor=None) == []
    assert feed(SlaBreached(target="resolution", due_at=T0), start(), actor=None) == []
    assert feed(TicketAssigned(assignee="asha", queue=None), start(), actor="asha") == []
    mine = fold(start(), 2, T0, TicketAssigned(assignee="asha", queue="billing"))
    assert feed(reply("note", internal=True), mine) == []
    assert feed(reply("my answer"), mine) == []
