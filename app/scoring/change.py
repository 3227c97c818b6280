"""Reliable change (Jacobson & Truax, 1991) between two scores."""

from __future__ import annotations

import math

from app.scoring.types import Change

RCI_CRITICAL = 1.96  # two-tailed 5% level: a change this large is unlikely to be noise


def standard_error_of_difference(sd: float, reliability: float) -> float:
    """``SEdiff = sqrt(2) * SD * sqrt(1 - r)``: the spread of change from error alone."""
    if not sd > 0:
        raise ValueError(f"sd must be above 0, got {sd}")
    if not 0 <= reliability < 1:
        raise ValueError(f"reliability must be from 0 up to (not including) 1, got {reliability}")
    return math.sqrt(2) * sd * math.sqrt(1 - reliability)


def reliable_change(
    before: float,
    after: float,
    *,
    sd: float,
    reliability: float,
    higher_is_better: bool = True,
    reliability_source: str = "definition",
    basis: str = "",
) -> Change:
    """Change from ``before`` to ``after``; reliable when ``|RCI| > 1.96``.

    ``basis`` says in words what ``sd`` and ``reliability`` rest on (``Reliability.basis``).
    """
    se_diff = standard_error_of_difference(sd, reliability)
    delta = after - before
    rci = delta / se_diff
    reliable = abs(rci) > RCI_CRITICAL
    if not reliable:
        direction = "none"
    elif (delta > 0) == higher_is_better:
        direction = "improvement"
    else:
        direction = "deterioration"
    label = "no reliable change" if direction == "none" else f"reliable {direction}"
    return Change(
        before=before,
        after=after,
        delta=delta,
        se_diff=se_diff,
        rci=rci,
        reliable=reliable,
        direction=direction,
        label=label,
        reliability=reliability,
        reliability_source=reliability_source,
        basis=basis,
        sd=sd,
    )
