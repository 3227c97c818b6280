"""Definition-declared alerts raised by particular answers (e.g. safety concerns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.instruments.models import Definition
from app.scoring.types import Flag

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def condition_met(kind: str, expected: Any, answer: Any) -> bool:
    """Whether an answer meets a flag condition.

    For multiple-choice answers (lists) ``equals`` means "was chosen" and ``in`` means
    "any of these was chosen". Scale answers are compared as given, before reverse keying,
    because the flag is about what the person actually said.
    """
    if answer is None:
        return False
    chosen = answer if isinstance(answer, list) else [answer]
    if kind == "equals":
        return any(_same(value, expected) for value in chosen)
    if kind == "in":
        return any(_same(value, option) for value in chosen for option in expected)
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return False
    if kind == "at_least":
        return answer >= expected
    if kind == "at_most":
        return answer <= expected
    raise ValueError(f"unknown flag condition {kind!r}")


def _same(value: Any, expected: Any) -> bool:
    """Equality that keeps True apart from 1 (a yes/no answer is not a scale point)."""
    return isinstance(value, bool) == isinstance(expected, bool) and value == expected


def evaluate_flags(definition: Definition, answers: Mapping[str, Any]) -> list[Flag]:
    """Flags raised by these answers, most severe first, then in definition order."""
    raised = [
        Flag(item_id=rule.item, severity=rule.severity, message=rule.message)
        for rule in definition.flags
        if condition_met(*rule.condition, answers.get(rule.item))
    ]
    return sorted(raised, key=lambda flag: SEVERITY_ORDER.get(flag.severity, len(SEVERITY_ORDER)))


def flags_on_save(definition: Definition, answers: Mapping[str, Any]) -> list[Flag]:
    """Flags that can't wait for "Send": raised by these (possibly partial) saved answers."""
    return [
        Flag(item_id=rule.item, severity=rule.severity, message=rule.message)
        for rule in definition.flags
        if rule.raised_on_save and rule.item in answers and condition_met(*rule.condition, answers[rule.item])
    ]


def needs_support(definition: Definition, answers: Mapping[str, Any]) -> bool:
    """Whether these answers should show the client support information straight away."""
    return any(
        rule.support and rule.item in answers and condition_met(*rule.condition, answers[rule.item])
        for rule in definition.flags
    )
