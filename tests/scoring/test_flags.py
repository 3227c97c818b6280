"""Each form of flag condition, on the sample definition."""

from __future__ import annotations

from app.scoring import Flag, condition_met, evaluate_flags
from tests.instruments.sample import sample_definition


def _raised(answers: dict[str, object]) -> list[str]:
    return [flag.message for flag in evaluate_flags(sample_definition(), answers)]


def test_equals_on_yes_no() -> None:
    assert _raised({"yn": True}) == ["yn yes"]
    assert _raised({"yn": False}) == []


def test_equals_on_single_choice() -> None:
    assert _raised({"pick": "b"}) == ["picked b"]
    assert _raised({"pick": "a"}) == []


def test_in_on_multiple_choice_means_any_chosen() -> None:
    assert _raised({"many": ["z", "y"]}) == ["x or y"]
    assert _raised({"many": ["z"]}) == []


def test_at_least_and_at_most_use_the_answer_as_given() -> None:
    # s1 at_least 4: 4 raises, 3 does not; s3 at_most 2: 2 raises, 3 does not
    assert _raised({"s1": 4}) == ["s1 high"]
    assert _raised({"s1": 3}) == []
    assert _raised({"s3": 2}) == ["s3 low"]
    assert _raised({"s3": 3}) == []


def test_unanswered_items_raise_nothing() -> None:
    assert _raised({"yn": None, "s1": None}) == []


def test_flags_come_most_severe_first() -> None:
    flags = evaluate_flags(sample_definition(), {"yn": True, "pick": "b", "s1": 5})
    assert flags == [
        Flag("s1", "high", "s1 high"),
        Flag("pick", "medium", "picked b"),
        Flag("yn", "low", "yn yes"),
    ]


def test_yes_is_not_the_number_one() -> None:
    # True == 1 in Python; a yes/no flag must not fire on a scale answer of 1 or vice versa
    assert not condition_met("equals", True, 1)
    assert not condition_met("equals", 1, True)
    assert condition_met("equals", 1, 1)
