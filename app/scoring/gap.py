"""Partner gap: how far apart two partners' views of the same subscale are."""

from __future__ import annotations

from app.scoring.types import Gap

_TOLERANCE = 1e-9  # means are float quotients; a gap of exactly the threshold counts as large


def partner_gap(a: float | None, b: float | None, *, threshold: float) -> Gap:
    """``a - b`` and whether its size reaches ``threshold``; empty when either is unscored."""
    if a is None or b is None:
        return Gap(a=a, b=b, difference=None, size=None, large=False)
    difference = a - b
    size = abs(difference)
    return Gap(a=a, b=b, difference=difference, size=size, large=size >= threshold - _TOLERANCE)
