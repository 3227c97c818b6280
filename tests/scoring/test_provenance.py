"""What each change rests on, which reliability judges it, version breaks and the headline.

Reference values of the sample's "trust" subscale: SD 0.8, r 0.85 (provisional), so
SEdiff = sqrt(2) * 0.8 * sqrt(0.15) = 0.438178. The practice snapshot used below: alpha 0.81,
95% CI 0.74-0.87, 42 clients, SD 0.5, so SEdiff = sqrt(2) * 0.5 * sqrt(0.19) = 0.308221.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.instruments.checks import parse_definition
from app.scoring import (
    VERSION_BREAK_NOTE,
    Headline,
    Reliability,
    Submitted,
    definition_reliabilities,
    definition_reliability,
    reliability_at,
    score_history,
)
from tests.instruments.sample import sample_data, sample_definition

DAY0 = datetime(2025, 1, 1, 9, tzinfo=UTC)
A, B = 1, 2
V1 = ("s1", "s2", "s3", "s4")
V2 = ("s1", "s2", "s3", "s5")


def at(day: float) -> datetime:
    return DAY0 + timedelta(days=day)


def taken(ident: int, client: int, day: float, mean: float | None, *, version: int = 1,
          items: tuple[str, ...] = V1) -> Submitted:
    return Submitted(ident, client, at(day), {"trust": mean}, version=version, items={"trust": items})


SNAPSHOT = Reliability(0.81, "practice", 60, n_clients=42, alpha_low=0.74, alpha_high=0.87, sd=0.5,
                       version=1, taken_at=at(20))


def test_basis_says_what_a_figure_rests_on() -> None:
    definition = sample_definition()
    assert definition_reliability(definition, "trust").basis == "provisional reference values"
    published = Reliability(0.85, "definition", 0, sd=0.8, provisional=False)
    assert published.basis == "reference values from the questionnaire definition"
    assert SNAPSHOT.basis == "practice data, n = 42 clients, \u03b1 = 0.81 (0.74\u20130.87)"
    # rounded to two decimals, never more
    assert Reliability(0.8149, "practice", 0, n_clients=30, alpha_low=0.6951, alpha_high=0.9).basis == (
        "practice data, n = 30 clients, \u03b1 = 0.81 (0.70\u20130.90)")


def test_each_change_uses_the_snapshot_in_force_when_its_later_point_was_submitted() -> None:
    definition = sample_definition()
    points = [taken(1, A, 0, 2.0), taken(2, A, 14, 3.0), taken(3, A, 30, 2.9)]
    before = score_history(definition, definition_reliabilities(definition), [A], points[:2])
    timeline = [definition_reliability(definition, "trust"), SNAPSHOT]
    after = score_history(definition, {"trust": timeline}, [A], points)
    # Day 14 was submitted before the snapshot (day 20): the same verdict with or without it.
    old = before.subscales[0].trajectories[0].points[1].from_baseline
    same = after.subscales[0].trajectories[0].points[1].from_baseline
    assert old == same
    assert same is not None and same.rci == pytest.approx(2.2822, abs=1e-4)  # 1.0 / 0.438178
    assert (same.label, same.basis, same.sd) == ("reliable improvement", "provisional reference values", 0.8)
    # Day 30 comes after the snapshot: its own SD and alpha. 2.0 -> 2.9: 0.9 / 0.308221 = 2.9200.
    late = after.subscales[0].trajectories[0].points[2]
    assert late.from_baseline is not None and late.from_baseline.rci == pytest.approx(2.9200, abs=1e-4)
    assert late.from_baseline.se_diff == pytest.approx(0.308221, abs=1e-6)
    assert late.from_baseline.basis == SNAPSHOT.basis and late.from_baseline.sd == 0.5
    # 3.0 -> 2.9 from the previous: -0.1 / 0.308221 = -0.3244
    assert late.from_previous is not None and late.from_previous.rci == pytest.approx(-0.3244, abs=1e-4)
    # What is in force now is the snapshot.
    assert after.subscales[0].reliability == SNAPSHOT


def test_reliability_at_picks_the_newest_of_the_same_version_taken_by_then() -> None:
    definition = sample_definition()
    start = definition_reliability(definition, "trust")
    later = Reliability(0.7, "practice", 80, n_clients=55, sd=0.6, version=1, taken_at=at(40))
    other_version = Reliability(0.9, "practice", 80, n_clients=55, sd=0.6, version=2, taken_at=at(10))
    timeline = [start, SNAPSHOT, later, other_version]
    assert reliability_at(timeline, at(19), 1) is start
    assert reliability_at(timeline, at(20), 1) is SNAPSHOT  # taken at that very moment: in force
    assert reliability_at(timeline, at(39), 1) is SNAPSHOT
    assert reliability_at(timeline, at(41), 1) is later
    assert reliability_at(timeline, None, 1) is later
    assert reliability_at(timeline, at(41), 2) is other_version
    with pytest.raises(ValueError):
        reliability_at([], at(0), 1)


def test_a_change_of_items_starts_a_new_baseline_and_says_so() -> None:
    definition = sample_definition()
    points = [taken(1, A, 0, 2.0), taken(2, A, 10, 3.0),
              taken(3, A, 20, 2.0, version=2, items=V2), taken(4, A, 30, 3.2, version=2, items=V2)]
    [trust] = score_history(definition, definition_reliabilities(definition), [A], points).subscales
    p = trust.trajectories[0].points
    assert [x.version_break for x in p] == [False, False, True, False]
    assert p[2].note == VERSION_BREAK_NOTE == "questionnaire version changed: not compared"
    assert p[2].from_baseline is None and p[2].from_previous is None and p[2].baseline_id is None
    # v2 day 30 compared with v2 day 20 only: (3.2 - 2.0) / 0.438178 = 2.7386
    assert p[3].baseline_id == 3 and p[3].previous_id == 3
    assert p[3].from_baseline is not None and p[3].from_baseline.rci == pytest.approx(2.7386, abs=1e-4)
    # without items (older callers) nothing breaks
    plain = [Submitted(1, A, at(0), {"trust": 2.0}), Submitted(2, A, at(10), {"trust": 3.0})]
    [trust] = score_history(definition, definition_reliabilities(definition), [A], plain).subscales
    assert trust.trajectories[0].points[1].from_baseline is not None
    assert trust.change(trust.trajectories[0].points[0], trust.trajectories[0].points[1]) == (
        trust.trajectories[0].points[1].from_baseline)


def _three_subscales():
    data = sample_data()
    data["subscales"]["trust"]["items"] = ["s1"]
    for sid, items in (("pair", ["s2", "s3"]), ("other", ["s4"])):
        data["subscales"][sid] = {**data["subscales"]["trust"], "label": sid.title(), "items": items}
    return parse_definition(data)


def test_headline_counts_each_partners_subscales_and_gives_no_overall_verdict() -> None:
    definition = _three_subscales()
    submitted = [
        # A: trust 2.0 -> 3.2 (RCI 2.7386, improvement); pair 3.0 -> 3.2 (0.4564, none); other once only
        Submitted(1, A, at(0), {"trust": 2.0, "pair": 3.0}),
        Submitted(2, A, at(30), {"trust": 3.2, "pair": 3.2, "other": 4.0}),
        # B: trust 3.5 -> 2.5 (-2.2822, deterioration); pair never scored; other absent
        Submitted(11, B, at(1), {"trust": 3.5, "pair": None}),
        Submitted(12, B, at(31), {"trust": 2.5, "pair": None}),
    ]
    history = score_history(definition, definition_reliabilities(definition), [A, B], submitted)
    heads = history.headline()
    assert heads[A] == Headline(1, 0, 1, 1, states=(("trust", "improvement"), ("pair", "none"),
                                                    ("other", "too_early")))
    assert heads[B] == Headline(0, 1, 0, 0, states=(("trust", "deterioration"),))
    assert heads[A].total == 3 and heads[B].total == 1
    assert list(heads) == [A, B]


def test_headline_after_a_version_break_is_too_early() -> None:
    definition = sample_definition()
    points = [taken(1, A, 0, 2.0), taken(2, A, 10, 3.5), taken(3, A, 20, 2.0, version=2, items=V2)]
    heads = score_history(definition, definition_reliabilities(definition), [A], points).headline()
    assert (heads[A].improvement, heads[A].too_early) == (0, 1)


def test_a_guarded_subscale_under_a_safety_alert_is_counted_only_when_worse() -> None:
    definition = _three_subscales()
    submitted = [
        Submitted(1, A, at(0), {"trust": 2.0, "pair": 3.0}),
        Submitted(2, A, at(30), {"trust": 3.2, "pair": 3.2}),  # trust improves (2.7386), pair none
        Submitted(11, B, at(1), {"trust": 3.5}),
        Submitted(12, B, at(31), {"trust": 2.5}),  # trust worse (-2.2822)
    ]
    history = score_history(definition, definition_reliabilities(definition), [A, B], submitted)
    heads = history.headline({A: {"trust", "pair"}, B: {"trust"}})
    # A: the improvement and the no-change are held back, not counted as reassuring
    assert (heads[A].improvement, heads[A].no_change, heads[A].total) == (0, 0, 0)
    assert heads[A].held_back == ("trust", "pair")
    assert heads[A].states == (("trust", "improvement"), ("pair", "none"))
    # B: worse is always said
    assert (heads[B].deterioration, heads[B].held_back) == (1, ())
    assert history.headline()[A].improvement == 1
