"""Routing rules: which queue, tags and priority a new ticket gets from its words.

A `RuleSet` is plain data (YAML or JSON, validated by pydantic) and `route` is a pure
function of it and the ticket's text. The order, stated once here and in the shipped YAML:

1. `queue_rules` are tried top to bottom; the FIRST that matches sets the queue and adds its
   tags. None matching: `default_queue`, rule id "default".
2. Every `priority_rules` entry is tried as well, whatever the queue rule was: the highest
   priority among those that match (P1 highest) applies, and their tags are added. A
   "refund" ticket whose text says "outage" lands in billing AND becomes P1.
3. Routing only raises a priority, never lowers it; a resulting P1 is escalated at once.

Keywords match whole words, case-insensitively ("api" matches "API down" but not
"rapid"; "data loss" matches "data  Loss"). Regular expressions are searched
case-insensitively too. Both look at the subject and the message together.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contracts.commands import RouteTicket
from contracts.values import AssignmentStrategy, Priority, QueueKey, RuleId, Tag

DEFAULT_RULE_ID = "default"
MATCHED_MAX = 200
_PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}

Keyword = Annotated[str, Field(min_length=1, max_length=100)]
Pattern = Annotated[str, Field(min_length=1, max_length=500)]


class InvalidRules(ValueError):
    """Rules that cannot be used; the message says why (shown to the admin as a 422)."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Matcher(_Strict):
    id: RuleId
    keywords: tuple[Keyword, ...] = ()
    regex: Pattern | None = None
    tags: tuple[Tag, ...] = ()

    @model_validator(mode="after")
    def _can_match(self) -> Self:
        if not self.keywords and self.regex is None:
            raise ValueError(f"rule {self.id!r} needs keywords, a regex, or both")
        if any(not k.strip() for k in self.keywords):
            raise ValueError(f"rule {self.id!r} has a blank keyword")
        if self.regex is not None:
            try:
                re.compile(self.regex, re.IGNORECASE)
            except re.error as error:
                raise ValueError(f"rule {self.id!r}: invalid regex: {error}") from None
        if self.id == DEFAULT_RULE_ID:
            raise ValueError(f"rule id {DEFAULT_RULE_ID!r} is reserved for 'no rule matched'")
        return self

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str], ...]:
        compiled = [_keyword_pattern(k) for k in self.keywords]
        if self.regex is not None:
            compiled.append(re.compile(self.regex, re.IGNORECASE))
        return tuple(compiled)

    def match(self, text: str) -> str | None:
        """The text that made the rule fire (the first keyword or regex that matched)."""
        for pattern in self._patterns:
            found = pattern.search(text)
            if found is not None:
                return found.group(0)
        return None


# Customers write "charged", "refunds", "crashing": a keyword also matches its plain English
# endings, but never the inside of another word ("api" is not in "rapid", "down" is not in
# "download").
_ENDINGS = r"(?:s|es|d|ed|ing)?"


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # Whole words: no word character may touch either end; inner spaces match any spacing.
    words = [re.escape(word) for word in keyword.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + _ENDINGS + r"(?!\w)", re.IGNORECASE)


class QueueRule(_Matcher):
    queue: QueueKey


class PriorityRule(_Matcher):
    priority: Priority


class AssignmentPolicy(_Strict):
    default_strategy: AssignmentStrategy = "round_robin"
    # Per queue key: how its tickets are given out, when not the default.
    queues: dict[QueueKey, AssignmentStrategy] = Field(default_factory=dict)

    def strategy_for(self, queue: str) -> AssignmentStrategy:
        return self.queues.get(queue, self.default_strategy)


class RuleSet(_Strict):
    default_queue: QueueKey = "general"
    queue_rules: tuple[QueueRule, ...] = ()
    priority_rules: tuple[PriorityRule, ...] = ()
    assignment: AssignmentPolicy = Field(default_factory=AssignmentPolicy)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        seen: set[str] = set()
        for rule in (*self.queue_rules, *self.priority_rules):
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


def parse_rules(data: Any) -> RuleSet:
    """A `RuleSet` from parsed YAML/JSON; raises `InvalidRules` with every reason."""
    try:
        return RuleSet.model_validate(data)
    except ValidationError as error:
        raise InvalidRules(_summary(error)) from None


def load_rules_yaml(text: str) -> RuleSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidRules(f"not valid YAML: {error}") from None
    return parse_rules(data if data is not None else {})


def _summary(error: ValidationError) -> str:
    parts = []
    for each in error.errors():
        where = ".".join(str(p) for p in each["loc"])
        message = each["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def raise_priority(current: str, candidate: str | None) -> str:
    """The higher of the two (P1 highest); None leaves `current`."""
    if candidate is None or _PRIORITY_RANK[candidate] >= _PRIORITY_RANK[current]:
        return current
    return candidate


def route(rules: RuleSet, subject: str, message: str, current_priority: str) -> RouteTicket:
    """The routing verdict for a ticket with this text and priority (see the module doc)."""
    text = f"{subject}\n{message}"
    queue, rule_id, matched = rules.default_queue, DEFAULT_RULE_ID, None
    tags: list[str] = []
    for queue_rule in rules.queue_rules:
        found = queue_rule.match(text)
        if found is not None:
            queue, rule_id, matched = queue_rule.queue, queue_rule.id, found
            tags.extend(queue_rule.tags)
            break
    priority = current_priority
    why_priority: list[str] = []
    for priority_rule in rules.priority_rules:
        found = priority_rule.match(text)
        if found is not None:
            priority = raise_priority(priority, priority_rule.priority)
            tags.extend(priority_rule.tags)
            why_priority.append(f"{priority_rule.id}: {found}")
    explained = "; ".join(
        part for part in (matched, *(f"priority {w}" for w in why_priority)) if part is not None
    )
    raised = priority if priority != current_priority else None
    return RouteTicket(
        queue=queue,
        rule=rule_id,
        matched=explained[:MATCHED_MAX] or None,
        tags=tuple(dict.fromkeys(tags)),
        priority=raised,  # type: ignore[arg-type]
        escalate=priority == "P1",
    )
