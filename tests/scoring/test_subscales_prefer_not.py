"""'Prefer not to answer' is missing for scoring: the missing-item rule, checked by hand."""

from __future__ import annotations

from app.instruments.checks import parse_definition
from app.instruments.models import PREFER_NOT
from app.scoring import keyed_value, score_administration, score_subscales, subscale_alpha
from tests.instruments.sample import sample_data

DATA = sample_data()
for _item in DATA["sections"][0]["items"]:
    _item["prefer_not"] = True
DEFINITION = parse_definition(DATA)  # 'trust' = s1, s2 (reverse), s3, s4; max_missing_fraction 0.25


def test_one_declined_of_four_is_prorated_from_the_other_three() -> None:
    # s1 declined; s2=2 (reverse -> 4), s3=5, s4=3: raw 4 + 5 + 3 = 12, mean 12 / 3 = 4.0.
    # Missing 1/4 = 0.25, not above 0.25: scored, prorated.
    score = score_subscales(DEFINITION, {"s1": PREFER_NOT, "s2": 2, "s3": 5, "s4": 3})["trust"]
    assert (score.scored, score.prorated, score.answered, score.total) == (True, True, 3, 4)
    assert score.raw == 12 and score.mean == 4.0 and score.band == "Strong"


def test_declined_and_blank_count_together() -> None:
    # s1 declined, s4 blank: 2/4 = 0.5 missing > 0.25 -> unscored (None, never 0).
    score = score_subscales(DEFINITION, {"s1": PREFER_NOT, "s2": 2, "s3": 5})["trust"]
    assert (score.scored, score.mean, score.band, score.answered) == (False, None, None, 2)


def test_all_declined_is_unscored() -> None:
    score = score_subscales(DEFINITION, dict.fromkeys(("s1", "s2", "s3", "s4"), PREFER_NOT))["trust"]
    assert not score.scored and score.mean is None and score.answered == 0


def test_a_declined_answer_raises_no_numeric_flag() -> None:
    # s1 has "at_least 4" (high); s3 "at_most 2" (medium): a declined answer meets neither.
    result = score_administration(DEFINITION, {"s1": PREFER_NOT, "s2": 3, "s3": PREFER_NOT, "s4": 3})
    assert result.flags == []


def test_keyed_value_and_alpha_treat_it_as_missing() -> None:
    assert keyed_value(PREFER_NOT, minimum=1, maximum=5, reverse=True) is None
    rows = [
        {"s1": 1, "s2": 5, "s3": 1, "s4": 2},
        {"s1": 3, "s2": 3, "s3": 3, "s4": 3},
        {"s1": 5, "s2": 1, "s3": 5, "s4": 4},
        {"s1": PREFER_NOT, "s2": 1, "s3": 1, "s4": 1},  # incomplete: left out of alpha
    ]
    # Keyed complete rows: (1,1,1,2), (3,3,3,3), (5,5,5,4). Item variances 4, 4, 4, 1 (sum 13);
    # totals 5, 12, 19, variance 49. alpha = 4/3 * (1 - 13/49) = 4/3 * 36/49 = 48/49.
    assert abs(subscale_alpha(DEFINITION, "trust", rows) - 48 / 49) < 1e-12
    assert subscale_alpha(DEFINITION, "trust", rows[:3]) == subscale_alpha(DEFINITION, "trust", rows)
