"""Indicators: items read one by one, never averaged, e.g. the safety indicator.

A fear or safety answer must never be diluted by a subscale mean: one partner who strongly
agrees "I feel afraid of my partner" is a safety concern whatever their other answers say. A
definition lists such items under ``indicators`` (``app.instruments.models.Indicator``), and
the checks keep them out of every subscale. Each item is judged on the answer as given (before
reverse keying) against the indicator's ``concern_when``, and the indicator says:

- ``concern``: at least one item meets the condition (whatever else is missing);
- ``incomplete``: no concern among the answers given, but some items were declined ("Prefer not
  to answer") or left blank, so the indicator can't be read as reassuring;
- ``unanswered``: no item answered at all;
- ``none_reported``: every item answered and none meets the condition. Only this is
  ``reassuring``, and it means "none reported", never "safe".

Not stored: computed whenever it is shown from the stored answers and the exact definition
version they were given with, which never changes once released, so the result is the same
every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.instruments.answers import is_declined
from app.instruments.models import Definition, Indicator
from app.scoring.flags import condition_met

CONCERN = "concern"
INCOMPLETE = "incomplete"
UNANSWERED = "unanswered"
NONE_REPORTED = "none_reported"


@dataclass(frozen=True)
class IndicatorItem:
    """One item of an indicator: the answer as given and how it reads."""

    item_id: str
    answer: Any  # as stored: None (blank), ``PREFER_NOT`` or the value
    status: str  # "concern" | "no_concern" | "declined" | "blank"


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator of one administration (see the module docstring for ``status``)."""

    indicator: str
    label: str
    status: str
    items: tuple[IndicatorItem, ...]
    concern_label: str

    def _ids(self, status: str) -> tuple[str, ...]:
        return tuple(item.item_id for item in self.items if item.status == status)

    @property
    def concerns(self) -> tuple[str, ...]:
        """Items whose answer meets the condition, in definition order."""
        return self._ids(CONCERN)

    @property
    def declined(self) -> tuple[str, ...]:
        return self._ids("declined")

    @property
    def blank(self) -> tuple[str, ...]:
        return self._ids("blank")

    @property
    def reassuring(self) -> bool:
        """True only when every item was answered and none raised a concern."""
        return self.status == NONE_REPORTED

    @property
    def text(self) -> str:
        """What a counselor reads beside the indicator's label."""
        total = len(self.items)
        if self.status == CONCERN:
            return f"{self.concern_label} ({len(self.concerns)} of {total} items)"
        if self.status == UNANSWERED:
            return "Not answered"
        if self.status == INCOMPLETE:
            parts = []
            if self.declined:
                parts.append(f"{len(self.declined)} declined")
            if self.blank:
                parts.append(f"{len(self.blank)} left blank")
            return f"No concern among the answers given; {' and '.join(parts)} of {total} (ask in person)"
        return "No concern reported"


def indicator_result(
    definition: Definition, indicator_id: str, answers: Mapping[str, Any]
) -> IndicatorResult:
    """One indicator of one administration's answers."""
    indicator: Indicator = definition.indicators[indicator_id]
    kind, expected = indicator.condition
    items = []
    for item_id in indicator.items:
        answer = answers.get(item_id)
        if condition_met(kind, expected, answer):
            status = CONCERN
        elif answer is None:
            status = "blank"
        elif is_declined(answer):
            status = "declined"
        else:
            status = "no_concern"
        items.append(IndicatorItem(item_id, answer, status))
    statuses = {item.status for item in items}
    if CONCERN in statuses:
        overall = CONCERN
    elif statuses == {"blank"}:
        overall = UNANSWERED
    elif statuses & {"blank", "declined"}:
        overall = INCOMPLETE
    else:
        overall = NONE_REPORTED
    return IndicatorResult(
        indicator=indicator_id,
        label=indicator.label,
        status=overall,
        items=tuple(items),
        concern_label=indicator.concern_label,
    )


def score_indicators(definition: Definition, answers: Mapping[str, Any]) -> dict[str, IndicatorResult]:
    """Every indicator of the definition (none for most), in the order the file lists them."""
    return {iid: indicator_result(definition, iid, answers) for iid in definition.indicators}
