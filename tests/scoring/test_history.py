"""The one score history (pure): trajectories with reliable change, and the pairing rule for gaps.

Numbers use the sample definition's "trust" subscale: SD 0.8, r 0.85, so
SEdiff = sqrt(2) * 0.8 * sqrt(1 - 0.85) = 0.438178; gap threshold 1.0; pairing window 21 days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.scoring import Reliability, Submitted, definition_reliabilities, score_history, trajectory
from app.scoring.history import pair_rounds
from tests.instruments.sample import sample_data, sample_definition

DAY0 = datetime(2025, 1, 1, 9, tzinfo=UTC)
A, B = 1, 2


def taken(ident: int, client: int, day: float, mean: float | None, subscale: str = "trust") -> Submitted:
    return Submitted(ident, client, DAY0 + timedelta(days=day), {subscale: mean})


def _trust(points: list[Submitted]):
    definition = sample_definition()
    return trajectory(points, "trust", definition.subscales["trust"], Reliability(0.85, "definition", 0))


def test_trajectory_skips_an_unscored_point() -> None:
    result = _trust([taken(10, A, 0, 2.0), taken(11, A, 7, None), taken(12, A, 14, 3.0), taken(13, A, 21, 3.2)])
    assert [p.administration_id for p in result] == [10, 11, 12, 13]
    # the first is the baseline: nothing to compare with
    assert result[0].from_baseline is None and result[0].from_previous is None
    # unscored: kept in place, no changes
    assert result[1].mean is None and result[1].from_baseline is None and result[1].from_previous is None
    # 12: previous scored point is 10 (11 skipped): 2.0 -> 3.0, RCI 1.0/0.438178 = 2.2822
    assert result[2].previous_id == 10 and result[2].baseline_id == 10
    assert result[2].from_previous is not None and result[2].from_previous.before == 2.0
    assert result[2].from_baseline is not None and result[2].from_baseline.rci == pytest.approx(2.2822, abs=1e-4)
    # 13 from baseline: 2.0 -> 3.2, RCI 1.2/0.438178 = 2.7386 -> reliable improvement
    assert result[3].from_baseline is not None and result[3].from_baseline.rci == pytest.approx(2.7386, abs=1e-4)
    assert result[3].from_baseline.label == "reliable improvement"
    # 13 from previous (12): 3.0 -> 3.2, RCI 0.2/0.438178 = 0.4564 -> no reliable change
    assert result[3].previous_id == 12
    assert result[3].from_previous is not None and result[3].from_previous.rci == pytest.approx(0.4564, abs=1e-4)
    assert not result[3].from_previous.reliable


def test_trajectory_starting_unscored_takes_the_first_scored_as_baseline() -> None:
    result = _trust([taken(1, A, 0, None), taken(2, A, 5, 3.0), taken(3, A, 9, 4.0)])
    assert result[1].from_baseline is None
    assert result[2].from_baseline is not None and result[2].from_baseline.before == 3.0
    assert result[2].baseline_id == 2


def test_empty_trajectory_and_a_version_without_the_subscale() -> None:
    assert _trust([]) == ()
    assert _trust([taken(1, A, 0, 3.0, subscale="other")]) == ()


def test_pairing_is_one_to_one_closest_first() -> None:
    a = [taken(1, A, 0, 3.0), taken(2, A, 10, 3.0)]
    b = [taken(11, B, 9, 3.0), taken(12, B, 40, 3.0)]
    # B's 11 is 9 days from A's 1 and 1 day from A's 2: it pairs with 2; A's 1 has nobody else within 21 days.
    pairs = pair_rounds(a, b, window=timedelta(days=21))
    assert [(x.administration_id, y.administration_id) for x, y in pairs] == [(2, 11)]


def test_pairs_never_cross_so_the_latest_gap_uses_both_latest_answers() -> None:
    # A on days 0 and 5, B on days 4 and 20. Closest first pairs A5-B4 (1 day); A0-B20 (20 days,
    # inside the window) would cross it, comparing A's oldest answers with B's newest.
    a = [taken(1, A, 0, 3.0), taken(2, A, 5, 3.0)]
    b = [taken(11, B, 4, 3.0), taken(12, B, 20, 3.0)]
    pairs = pair_rounds(a, b, window=timedelta(days=21))
    assert [(x.administration_id, y.administration_id) for x, y in pairs] == [(2, 11)]
    # Without the crossing pair, later answers still pair in order: A 30 with B 31.
    pairs = pair_rounds([*a, taken(3, A, 30, 3.0)], [*b, taken(13, B, 31, 3.0)], window=timedelta(days=21))
    assert [(x.administration_id, y.administration_id) for x, y in pairs] == [(2, 11), (3, 13)]


def test_gaps_pair_within_the_window_and_name_their_dates() -> None:
    definition = sample_definition()
    submitted = [
        taken(1, A, 0, 2.0), taken(21, B, 21, 3.5),    # exactly 21 days apart: paired, |2.0 - 3.5| = 1.5
        taken(2, A, 60, 4.0), taken(22, B, 82, 1.0),   # 22 days apart: never compared
        taken(3, A, 100, 3.0), taken(23, B, 101, 2.0),  # 1 day apart: |3.0 - 2.0| = 1.0, exactly the threshold
    ]
    history = score_history(definition, definition_reliabilities(definition), [A, B], submitted)
    [trust] = history.subscales
    assert [(g.a_administration_id, g.b_administration_id) for g in trust.gaps] == [(1, 21), (3, 23)]
    assert trust.gap_first is not None and trust.gap_first.size == pytest.approx(1.5)
    assert trust.gap_first.difference == pytest.approx(-1.5)  # A - B: B scored higher
    now = trust.gap_now
    assert now is not None and now.size == pytest.approx(1.0) and now.large  # the threshold counts as large
    assert (now.a_at, now.b_at, now.at) == (DAY0 + timedelta(days=100), DAY0 + timedelta(days=101),
                                            DAY0 + timedelta(days=101))
    assert history.gap_threshold == 1.0 and history.pairing_window_days == 21


def test_an_unscored_subscale_in_a_pair_has_no_gap_and_the_window_comes_from_the_definition() -> None:
    data = sample_data()
    data["pairing_window_days"] = 30
    data["gap_threshold"] = 0.5
    from app.instruments.checks import parse_definition

    definition = parse_definition(data)
    submitted = [taken(1, A, 0, None), taken(21, B, 2, 3.0), taken(2, A, 40, 3.0), taken(22, B, 69, 2.6)]
    history = score_history(definition, definition_reliabilities(definition), [A, B], submitted)
    [trust] = history.subscales
    # The first pair can't be compared (A unscored); the second is 29 days apart, inside 30.
    assert [(g.a_administration_id, g.b_administration_id) for g in trust.gaps] == [(2, 22)]
    assert trust.gap_now is not None and trust.gap_now.large is False  # 0.4 < 0.5


def test_one_client_has_a_trajectory_and_no_gaps() -> None:
    definition = sample_definition()
    history = score_history(definition, definition_reliabilities(definition), [A],
                            [taken(1, A, 0, 2.0), taken(2, A, 30, 3.0)])
    [trust] = history.subscales
    assert trust.gaps == () and len(trust.trajectories) == 1
    assert trust.trajectories[0].latest is not None and trust.trajectories[0].latest.mean == 3.0
    assert history.administrations == 2
