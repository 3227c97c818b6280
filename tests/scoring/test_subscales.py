"""Subscale means, reverse keying, the missing-items rule and bands, checked by hand."""

from __future__ import annotations

import pytest

from app.scoring import keyed_value, score_administration, score_subscales
from tests.instruments.sample import sample_definition


def test_keyed_value_reverses_on_the_scale() -> None:
    # reverse: min + max - value -> 1 + 5 - 2 = 4
    assert keyed_value(2, minimum=1, maximum=5, reverse=True) == 4
    assert keyed_value(2, minimum=1, maximum=5, reverse=False) == 2
    # 0..4 scale: 0 + 4 - 1 = 3
    assert keyed_value(1, minimum=0, maximum=4, reverse=True) == 3


@pytest.mark.parametrize("bad", [0, 6, True, "3", 2.5])
def test_keyed_value_refuses_answers_off_the_scale(bad: object) -> None:
    with pytest.raises(ValueError):
        keyed_value(bad, minimum=1, maximum=5, reverse=False)  # type: ignore[arg-type]


def test_mean_with_a_reverse_keyed_item() -> None:
    # s1=4, s2=2 (reverse -> 4), s3=5, s4=3: raw 4+4+5+3 = 16, mean 16/4 = 4.0 -> Strong
    score = score_subscales(sample_definition(), {"s1": 4, "s2": 2, "s3": 5, "s4": 3})["trust"]
    assert score.raw == 16
    assert score.mean == 4.0
    assert (score.answered, score.total) == (4, 4)
    assert score.scored and not score.prorated
    assert score.band == "Strong"


def test_one_missing_of_four_is_at_the_threshold_and_is_prorated() -> None:
    # s4 missing: 1/4 = 0.25 missing, not more than 0.25 -> scored
    # s1=4, s2=2 (rev 4), s3=5: raw 13, mean 13/3 = 4.333...
    score = score_subscales(sample_definition(), {"s1": 4, "s2": 2, "s3": 5})["trust"]
    assert score.scored and score.prorated
    assert score.raw == 13
    assert score.mean == pytest.approx(13 / 3)
    assert score.answered == 3


def test_two_missing_of_four_is_over_the_threshold_and_unscored() -> None:
    # 2/4 = 0.5 missing > 0.25 -> not scored; mean is None, never 0
    score = score_subscales(sample_definition(), {"s1": 4, "s2": None})["trust"]
    assert not score.scored
    assert score.mean is None and score.raw is None and score.band is None
    assert (score.answered, score.total) == (1, 4)
    assert not score.prorated


def test_nothing_answered_is_unscored() -> None:
    assert score_subscales(sample_definition(), {})["trust"].mean is None


@pytest.mark.parametrize(
    ("answers", "mean", "band"),
    [
        # all 1 (s2=5 reverses to 1): 4/4 = 1.0, the bottom edge -> Low
        ({"s1": 1, "s2": 5, "s3": 1, "s4": 1}, 1.0, "Low"),
        # 2 + (6-3=3) + 2 + 2 = 9, 9/4 = 2.25 -> Low
        ({"s1": 2, "s2": 3, "s3": 2, "s4": 2}, 2.25, "Low"),
        # 3 + (6-3=3) + 2 + 2 = 10, 10/4 = 2.5: lower edge of Mixed
        ({"s1": 3, "s2": 3, "s3": 2, "s4": 2}, 2.5, "Mixed"),
        # 4 + (6-3=3) + 4 + 3 = 14, 14/4 = 3.5: lower edge of Strong
        ({"s1": 4, "s2": 3, "s3": 4, "s4": 3}, 3.5, "Strong"),
        # all 5 (s2=1 reverses to 5): 20/4 = 5.0, the top edge belongs to the last band
        ({"s1": 5, "s2": 1, "s3": 5, "s4": 5}, 5.0, "Strong"),
    ],
)
def test_bands_at_their_edges(answers: dict[str, int], mean: float, band: str) -> None:
    score = score_subscales(sample_definition(), answers)["trust"]
    assert score.mean == mean
    assert score.band == band


def test_score_administration_bundles_subscales_and_flags() -> None:
    # s1=5 -> flag "s1 high"; s3=2 -> flag "s3 low"; mean (5 + 3 + 2 + 3)/4 = 13/4 = 3.25 Mixed
    result = score_administration(sample_definition(), {"s1": 5, "s2": 3, "s3": 2, "s4": 3})
    assert result.subscales["trust"].mean == 3.25
    assert result.subscales["trust"].band == "Mixed"
    assert [flag.item_id for flag in result.flags] == ["s1", "s3"]


def test_out_of_range_answers_are_refused_not_ignored() -> None:
    with pytest.raises(ValueError):
        score_subscales(sample_definition(), {"s1": 9, "s2": 3, "s3": 3, "s4": 3})
