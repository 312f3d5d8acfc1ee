"""Routing rules: the shipped defaults, the stated order, and what an edit may not do."""

from __future__ import annotations

from typing import Any

import pytest

from routing.domain.rules import (
    DEFAULT_RULE_ID,
    InvalidRules,
    RuleSet,
    load_rules_yaml,
    parse_rules,
    raise_priority,
    route,
)
from routing.settings import DEFAULT_RULES_FILE


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    return load_rules_yaml(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))


def test_the_shipped_rules_know_general_billing_and_technical(shipped: RuleSet) -> None:
    assert shipped.default_queue == "general"
    assert {rule.queue for rule in shipped.queue_rules} == {"billing", "technical"}
    assert shipped.assignment.strategy_for("billing") == "round_robin"


@pytest.mark.parametrize("word", ["invoice", "refund", "billing", "charge"])
def test_billing_words_land_in_billing_with_its_tag(shipped: RuleSet, word: str) -> None:
    verdict = route(shipped, "A question", f"About the {word.upper()} of last month.", "P3")
    assert verdict.queue == "billing"
    assert verdict.rule == "billing"
    assert "billing" in verdict.tags
    assert verdict.matched is not None
    assert verdict.matched.lower() == word
    assert verdict.priority is None
    assert not verdict.escalate


@pytest.mark.parametrize("word", ["error", "bug", "crash", "api"])
def test_technical_words_land_in_technical(shipped: RuleSet, word: str) -> None:
    verdict = route(shipped, f"{word} when exporting", "Please help.", "P3")
    assert (verdict.queue, verdict.rule) == ("technical", "technical")


@pytest.mark.parametrize(
    "text", ["Total outage since 9am", "The site is DOWN", "We suffered data loss", "data\nloss"]
)
def test_outage_words_make_p1_and_escalate(shipped: RuleSet, text: str) -> None:
    verdict = route(shipped, "Help", text, "P3")
    assert verdict.priority == "P1"
    assert verdict.escalate
    assert verdict.queue == "general"


def test_a_refund_during_an_outage_goes_to_billing_and_becomes_p1(shipped: RuleSet) -> None:
    verdict = route(shipped, "Refund please", "Your outage cost us a day.", "P3")
    assert verdict.queue == "billing"
    assert verdict.rule == "billing"
    assert verdict.priority == "P1"
    assert verdict.escalate
    assert verdict.matched is not None
    assert "p1-outage" in verdict.matched


def test_no_match_goes_to_the_default_queue(shipped: RuleSet) -> None:
    verdict = route(shipped, "Hello", "Just saying thanks.", "P3")
    assert (verdict.queue, verdict.rule, verdict.matched) == ("general", DEFAULT_RULE_ID, None)
    assert verdict.tags == ()
    assert not verdict.escalate


def test_keywords_match_whole_words_only(shipped: RuleSet) -> None:
    # "rapid" holds "api", "discharge" holds "charge", "download" holds "down".
    verdict = route(shipped, "rapid discharge", "A download question.", "P3")
    assert (verdict.queue, verdict.priority) == ("general", None)


def test_the_first_matching_queue_rule_wins(shipped: RuleSet) -> None:
    # Both billing ("invoice") and technical ("error") words: billing is listed first.
    verdict = route(shipped, "Error in my invoice", "x", "P3")
    assert verdict.queue == "billing"
    reordered = shipped.model_copy(update={"queue_rules": shipped.queue_rules[::-1]})
    assert route(reordered, "Error in my invoice", "x", "P3").queue == "technical"


def test_a_regex_rule_matches_case_insensitively() -> None:
    rules = parse_rules(
        {
            "queue_rules": [
                {"id": "orders", "queue": "orders", "regex": r"order\s*#?\d{4,}", "tags": ["order"]}
            ]
        }
    )
    verdict = route(rules, "Where is ORDER #12345?", "x", "P3")
    assert (verdict.queue, verdict.rule, verdict.matched) == ("orders", "orders", "ORDER #12345")
    assert verdict.tags == ("order",)
    assert route(rules, "Where is order 12?", "x", "P3").queue == "general"


def test_routing_raises_a_priority_but_never_lowers_it() -> None:
    rules = parse_rules(
        {"priority_rules": [{"id": "slow", "priority": "P3", "keywords": ["slow"]}]}
    )
    assert route(rules, "slow", "x", "P4").priority == "P3"
    # Already P2: "slow" would mean P3, which routing never does.
    assert route(rules, "slow", "x", "P2").priority is None
    assert raise_priority("P2", "P1") == "P1"
    assert raise_priority("P1", "P4") == "P1"
    assert raise_priority("P3", None) == "P3"


def test_a_ticket_already_p1_is_escalated_without_a_priority_change(shipped: RuleSet) -> None:
    verdict = route(shipped, "Hello", "All good?", "P1")
    assert verdict.priority is None
    assert verdict.escalate


def test_the_highest_matching_priority_applies() -> None:
    rules = parse_rules(
        {
            "priority_rules": [
                {"id": "p3", "priority": "P3", "keywords": ["slow"]},
                {"id": "p2", "priority": "P2", "keywords": ["broken"], "tags": ["broken"]},
            ]
        }
    )
    verdict = route(rules, "slow and broken", "x", "P4")
    assert verdict.priority == "P2"
    assert verdict.tags == ("broken",)


# --- validation (what PUT /rules answers 422 to) ---------------------------------------------


def _invalid(data: Any) -> str:
    with pytest.raises(InvalidRules) as caught:
        parse_rules(data)
    return str(caught.value)


def test_a_bad_regex_is_refused_with_its_reason() -> None:
    reason = _invalid({"queue_rules": [{"id": "x", "queue": "q", "regex": "(unclosed"}]})
    assert "invalid regex" in reason
    assert "'x'" in reason


def test_unknown_fields_are_refused() -> None:
    assert "colour" in _invalid({"queue_rules": [], "colour": "blue"})
    assert "keyword" in _invalid({"queue_rules": [{"id": "x", "queue": "q", "keyword": ["a"]}]})


def test_duplicate_rule_ids_are_refused_across_both_lists() -> None:
    reason = _invalid(
        {
            "queue_rules": [{"id": "same", "queue": "q", "keywords": ["a"]}],
            "priority_rules": [{"id": "same", "priority": "P1", "keywords": ["b"]}],
        }
    )
    assert "used twice" in reason


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"queue_rules": [{"id": "x", "queue": "q"}]}, "needs keywords"),
        ({"queue_rules": [{"id": "default", "queue": "q", "keywords": ["a"]}]}, "reserved"),
        ({"queue_rules": [{"id": "x", "queue": "Bad Queue", "keywords": ["a"]}]}, "queue"),
        ({"queue_rules": [{"id": "x", "queue": "q", "keywords": [" "]}]}, "blank"),
        ({"priority_rules": [{"id": "x", "priority": "P9", "keywords": ["a"]}]}, "priority"),
        ({"assignment": {"default_strategy": "random"}}, "default_strategy"),
        (
            {"queue_rules": [{"id": "x", "queue": "q", "keywords": ["a"], "tags": ["No Tag"]}]},
            "tags",
        ),
    ],
)
def test_unusable_rules_are_refused(data: dict[str, Any], says: str) -> None:
    assert says in _invalid(data)


def test_yaml_that_is_not_yaml_is_refused() -> None:
    with pytest.raises(InvalidRules, match="not valid YAML"):
        load_rules_yaml("queue_rules: [unclosed")


def test_an_empty_file_means_everything_goes_to_general() -> None:
    rules = load_rules_yaml("")
    assert route(rules, "refund", "outage", "P3").queue == "general"


def test_rules_round_trip_through_json(shipped: RuleSet) -> None:
    # Stored in MongoDB as JSON and shown to admins that way.
    again = parse_rules(shipped.model_dump(mode="json"))
    assert again == shipped
    assert route(again, "refund", "x", "P3").queue == "billing"


@pytest.mark.parametrize(
    ("text", "queue"),
    [
        ("I was charged twice", "billing"),
        ("Refunds are late", "billing"),
        ("The app keeps crashing", "technical"),
        ("The download is slow", "general"),
        ("A rapid question", "general"),
    ],
)
def test_keywords_match_plain_endings_but_not_inside_words(
    shipped: RuleSet, text: str, queue: str
) -> None:
    assert route(shipped, text, "Details follow.", "P3").queue == queue
