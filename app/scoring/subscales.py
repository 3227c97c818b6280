"""Subscale means with reverse keying and the missing-items rule.

The missing-items rule: a subscale is scored from the mean of its answered items when no more
than the definition's ``max_missing_fraction`` of them is missing, and left unscored otherwise.
An item is missing when it is blank or answered "Prefer not to answer" (``PREFER_NOT``): the
client gave an answer (so a required item is satisfied) but not a value to average.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from app.instruments.answers import is_declined
from app.instruments.models import Definition, Subscale
from app.scoring.types import SubscaleScore


@overload
def keyed_value(value: int, *, minimum: int, maximum: int, reverse: bool) -> int: ...
@overload
def keyed_value(value: str, *, minimum: int, maximum: int, reverse: bool) -> int | None: ...
def keyed_value(value: int | str, *, minimum: int, maximum: int, reverse: bool) -> int | None:
    """The answer as scored: reverse-keyed items count ``minimum + maximum - value``.

    "Prefer not to answer" has no value to score: ``None``, like a blank (every caller, the
    subscale means and the practice's alpha alike, then treats the item as missing).
    """
    if is_declined(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueError(f"answer {value!r} is not a whole number from {minimum} to {maximum}")
    return minimum + maximum - value if reverse else value


def keyed_answers(
    definition: Definition, subscale: Subscale, answers: Mapping[str, Any]
) -> list[int]:
    """Keyed values of the subscale's answered items (blank and declined ones are skipped)."""
    values = []
    for item_id in subscale.items:
        answer = answers.get(item_id)
        if answer is None or is_declined(answer):
            continue
        item = definition.item(item_id)
        scale = definition.scale_for(item)
        values.append(
            keyed_value(answer, minimum=scale.min, maximum=scale.max, reverse=item.reverse)
        )
    return values


def score_subscale(
    definition: Definition, subscale_id: str, answers: Mapping[str, Any]
) -> SubscaleScore:
    """Score one subscale; unscored when more than ``max_missing_fraction`` is missing."""
    subscale = definition.subscales[subscale_id]
    values = keyed_answers(definition, subscale, answers)
    total, answered = len(subscale.items), len(values)
    missing_fraction = (total - answered) / total
    if answered == 0 or missing_fraction > definition.max_missing_fraction:
        # Reported as "not scored", never as 0: a 0 would read as the worst possible score.
        return SubscaleScore(subscale_id, None, None, answered, total, False, False, None)
    raw = sum(values)
    mean = raw / answered  # not rounded: rounding is for display only
    return SubscaleScore(
        subscale=subscale_id,
        mean=mean,
        raw=float(raw),
        answered=answered,
        total=total,
        prorated=answered < total,
        scored=True,
        band=subscale.band_for(mean),
    )


def score_subscales(definition: Definition, answers: Mapping[str, Any]) -> dict[str, SubscaleScore]:
    """Every subscale of the definition, in the order the definition lists them."""
    return {sid: score_subscale(definition, sid, answers) for sid in definition.subscales}
