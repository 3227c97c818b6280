"""Partner gaps and Cronbach's alpha, computed by hand."""

from __future__ import annotations

import pytest

from app.scoring import cronbach_alpha, partner_gap, subscale_alpha
from tests.instruments.sample import sample_definition


def test_gap_at_the_threshold_is_large() -> None:
    # 4.0 - 3.0 = 1.0 >= 1.0
    gap = partner_gap(4.0, 3.0, threshold=1.0)
    assert (gap.difference, gap.size, gap.large) == (1.0, 1.0, True)


def test_gap_keeps_its_sign_and_small_gaps_are_not_large() -> None:
    # 2.5 - 3.25 = -0.75, size 0.75 < 1.0
    gap = partner_gap(2.5, 3.25, threshold=1.0)
    assert (gap.difference, gap.size, gap.large) == (-0.75, 0.75, False)


def test_gap_survives_float_quotients() -> None:
    # 11/3 - 8/3 is 1.0 on paper; the tolerance keeps it large whatever the rounding
    assert partner_gap(11 / 3, 8 / 3, threshold=1.0).large


def test_gap_with_an_unscored_partner_is_empty() -> None:
    gap = partner_gap(None, 3.0, threshold=1.0)
    assert (gap.a, gap.b, gap.difference, gap.size, gap.large) == (None, 3.0, None, None, False)


# Respondents x items:
#   [1, 2, 2]  total 5
#   [2, 2, 3]  total 7
#   [3, 4, 4]  total 11
#   [4, 4, 5]  total 13
# item variances (n-1): 5/3, 4/3, 5/3 -> sum 14/3
# totals 5, 7, 11, 13: mean 9, squared deviations 16+4+4+16 = 40 -> variance 40/3
# alpha = 3/2 * (1 - (14/3)/(40/3)) = 1.5 * (1 - 0.35) = 0.975
MATRIX = [[1, 2, 2], [2, 2, 3], [3, 4, 4], [4, 4, 5]]


def test_alpha_by_hand() -> None:
    assert cronbach_alpha(MATRIX) == pytest.approx(0.975)


def test_alpha_uses_complete_rows_only() -> None:
    assert cronbach_alpha([*MATRIX, [5, None, 1]]) == pytest.approx(0.975)


@pytest.mark.parametrize(
    "rows",
    [
        [[1, 2]],  # one row
        [[1], [2], [3]],  # one item
        [[2, 2], [2, 2], [2, 2]],  # totals never vary
        [],
    ],
)
def test_alpha_undefined(rows: list[list[float]]) -> None:
    assert cronbach_alpha(rows) is None


def test_subscale_alpha_keys_reverse_items_first() -> None:
    # s2 is reverse-keyed (6 - x), so s2 given as 5, 4, 2 counts as 1, 2, 4.
    # keyed rows [1,1,2,2], [2,2,3,3], [4,4,4,5]
    # item vars: s1 (1,2,4): mean 7/3, dev^2 16/9+1/9+25/9 = 42/9 -> 21/9 = 7/3; s2 same 7/3
    # s3 (2,3,4): 1; s4 (2,3,5): mean 10/3, dev^2 16/9+1/9+25/9 = 42/9 -> 7/3; sum 7/3*3+1 = 8
    # totals 6, 10, 17: mean 11, dev^2 25+1+36 = 62 -> 31
    # alpha = 4/3 * (1 - 8/31) = 4/3 * 23/31 = 92/93 = 0.98925
    answers = [
        {"s1": 1, "s2": 5, "s3": 2, "s4": 2},
        {"s1": 2, "s2": 4, "s3": 3, "s4": 3},
        {"s1": 4, "s2": 2, "s3": 4, "s4": 5},
        {"s1": 4, "s2": None, "s3": 4, "s4": 5},  # incomplete: dropped
    ]
    assert subscale_alpha(sample_definition(), "trust", answers) == pytest.approx(92 / 93)
