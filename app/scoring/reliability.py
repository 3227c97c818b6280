"""Cronbach's alpha, so a practice can check a subscale's reliability on its own clients."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from app.instruments.models import Definition
from app.scoring.subscales import keyed_value


def sample_variance(values: Sequence[float]) -> float:
    """Variance with ``n - 1`` in the denominator (needs at least two values)."""
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)


def cronbach_alpha(rows: Sequence[Sequence[float | None]]) -> float | None:
    """``k/(k-1) * (1 - sum(item variances) / variance(totals))`` over complete rows.

    Rows are respondents, columns items. None when there are fewer than two items or
    complete rows, or when totals do not vary (alpha is undefined then).
    """
    complete = [list(row) for row in rows if all(_present(v) for v in row)]
    if len(complete) < 2:
        return None
    k = len(complete[0])
    if any(len(row) != k for row in complete):
        raise ValueError("every row must have one value per item")
    if k < 2:
        return None
    total_variance = sample_variance([math.fsum(row) for row in complete])
    if total_variance == 0:
        return None
    item_variances = math.fsum(sample_variance([row[i] for row in complete]) for i in range(k))
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    # Mathematically alpha <= 1; clamp float noise so it never reads as 1.0000000000000002.
    return min(alpha, 1.0)


def _present(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def subscale_alpha(
    definition: Definition, subscale_id: str, answer_sets: Sequence[Mapping[str, Any]]
) -> float | None:
    """Alpha of one subscale over many administrations, keyed, complete cases only."""
    subscale = definition.subscales[subscale_id]
    items = [definition.item(item_id) for item_id in subscale.items]
    rows = []
    for answers in answer_sets:
        row: list[float | None] = []
        for item in items:
            value = answers.get(item.id)
            scale = definition.scale_for(item)
            row.append(
                None
                if value is None
                else keyed_value(value, minimum=scale.min, maximum=scale.max, reverse=item.reverse)
            )
        rows.append(row)
    return cronbach_alpha(rows)
