"""Reliable change (Jacobson & Truax, 1991) between scores, and score trajectories."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from app.scoring.types import Change, TrajectoryPoint

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
) -> Change:
    """Change from ``before`` to ``after``; reliable when ``|RCI| > 1.96``."""
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
    )


def trajectory(
    points: Sequence[tuple[Any, float | None]],
    *,
    sd: float,
    reliability: float,
    higher_is_better: bool = True,
    reliability_source: str = "definition",
) -> list[TrajectoryPoint]:
    """Each point with change from the first scored point and from the last earlier one.

    Unscored points (mean None) are kept in place, without changes, and are skipped
    when looking for the baseline or the previous score.
    """

    def change(before: float, after: float) -> Change:
        return reliable_change(
            before,
            after,
            sd=sd,
            reliability=reliability,
            higher_is_better=higher_is_better,
            reliability_source=reliability_source,
        )

    result: list[TrajectoryPoint] = []
    baseline: float | None = None
    previous: float | None = None
    for when, mean in points:
        if mean is None:
            result.append(TrajectoryPoint(when, None, None, None))
            continue
        if baseline is None:
            baseline = mean
            result.append(TrajectoryPoint(when, mean, None, None))
        else:
            assert previous is not None  # set together with baseline
            result.append(
                TrajectoryPoint(when, mean, change(baseline, mean), change(previous, mean))
            )
        previous = mean
    return result
