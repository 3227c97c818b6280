"""Reliable change and trajectories, with the arithmetic written out."""

from __future__ import annotations

import pytest

from app.scoring import reliable_change

# SEdiff = sqrt(2) * 0.8 * sqrt(1 - 0.85) = 1.414214 * 0.8 * 0.387298 = 0.438178
SE_DIFF = 0.438178


def test_reliable_improvement() -> None:
    # 2.5 -> 3.5: delta 1.0, RCI = 1.0 / 0.438178 = 2.2822 > 1.96
    change = reliable_change(2.5, 3.5, sd=0.8, reliability=0.85)
    assert change.se_diff == pytest.approx(SE_DIFF, abs=1e-6)
    assert change.rci == pytest.approx(2.2822, abs=1e-4)
    assert change.delta == 1.0
    assert change.reliable
    assert (change.direction, change.label) == ("improvement", "reliable improvement")
    assert (change.reliability, change.reliability_source) == (0.85, "definition")


def test_reliable_deterioration() -> None:
    # 3.5 -> 2.5: RCI = -1.0 / 0.438178 = -2.2822, |RCI| > 1.96
    change = reliable_change(3.5, 2.5, sd=0.8, reliability=0.85)
    assert change.rci == pytest.approx(-2.2822, abs=1e-4)
    assert (change.direction, change.label) == ("deterioration", "reliable deterioration")


def test_small_change_is_not_reliable() -> None:
    # 2.5 -> 3.0: RCI = 0.5 / 0.438178 = 1.1411 < 1.96
    change = reliable_change(2.5, 3.0, sd=0.8, reliability=0.85, reliability_source="practice")
    assert change.rci == pytest.approx(1.1411, abs=1e-4)
    assert not change.reliable
    assert (change.direction, change.label) == ("none", "no reliable change")
    assert change.reliability_source == "practice"


def test_cutoff_is_1_96() -> None:
    # sd 1, r 0.5: SEdiff = sqrt(2) * 1 * sqrt(0.5) = 1, so RCI = delta
    assert reliable_change(0.0, 1.95, sd=1.0, reliability=0.5).reliable is False
    assert reliable_change(0.0, 1.97, sd=1.0, reliability=0.5).reliable is True


def test_lower_is_better_flips_the_direction() -> None:
    # Same RCI 2.2822, but a higher score is worse here
    change = reliable_change(2.5, 3.5, sd=0.8, reliability=0.85, higher_is_better=False)
    assert change.label == "reliable deterioration"
    change = reliable_change(3.5, 2.5, sd=0.8, reliability=0.85, higher_is_better=False)
    assert change.label == "reliable improvement"


@pytest.mark.parametrize(("sd", "r"), [(0, 0.8), (-1, 0.8), (0.8, 1.0), (0.8, -0.1)])
def test_impossible_reference_values_are_refused(sd: float, r: float) -> None:
    with pytest.raises(ValueError):
        reliable_change(1, 2, sd=sd, reliability=r)
