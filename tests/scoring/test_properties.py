"""Properties that must hold for any answers (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from app.scoring import cronbach_alpha, reliable_change, score_subscales
from tests.instruments.sample import sample_definition

DEFINITION = sample_definition()
ITEMS = ["s1", "s2", "s3", "s4"]
point = st.integers(min_value=1, max_value=5)
maybe_point = st.one_of(st.none(), point)
full_answers = st.fixed_dictionaries({item: point for item in ITEMS})
some_answers = st.fixed_dictionaries({item: maybe_point for item in ITEMS})
score_value = st.floats(min_value=1, max_value=5, allow_nan=False)


@given(some_answers)
def test_means_stay_on_the_scale(answers: dict[str, int | None]) -> None:
    mean = score_subscales(DEFINITION, answers)["trust"].mean
    assert mean is None or 1 <= mean <= 5


@given(full_answers)
def test_reversing_every_answer_mirrors_the_mean(answers: dict[str, int]) -> None:
    # keyed(6 - x) = 6 - keyed(x) for plain and reverse-keyed items alike
    mirrored = {item: 6 - value for item, value in answers.items()}
    mean = score_subscales(DEFINITION, answers)["trust"].mean
    mirrored_mean = score_subscales(DEFINITION, mirrored)["trust"].mean
    assert mean is not None and mirrored_mean is not None
    assert abs(mirrored_mean - (6 - mean)) < 1e-9


@given(some_answers, st.randoms(use_true_random=False))
def test_answer_order_does_not_matter(answers: dict[str, int | None], rng: random.Random) -> None:
    keys = list(answers)
    rng.shuffle(keys)
    shuffled = {key: answers[key] for key in keys}
    assert score_subscales(DEFINITION, shuffled) == score_subscales(DEFINITION, answers)


@given(score_value, score_value, st.floats(0.1, 2), st.floats(0, 0.99))
def test_rci_is_antisymmetric(a: float, b: float, sd: float, r: float) -> None:
    forward = reliable_change(a, b, sd=sd, reliability=r).rci
    backward = reliable_change(b, a, sd=sd, reliability=r).rci
    assert forward == -backward


@given(st.lists(st.lists(point, min_size=3, max_size=3), min_size=2, max_size=12))
def test_alpha_never_exceeds_one(rows: list[list[int]]) -> None:
    alpha = cronbach_alpha(rows)
    assert alpha is None or alpha <= 1
