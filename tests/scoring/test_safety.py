"""The safety indicator: each item read on its own against ``concern_when``, checked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from app.instruments.catalog import default_catalog
from app.instruments.checks import parse_definition
from app.instruments.models import PREFER_NOT
from app.scoring import score_administration
from app.scoring.safety import indicator_result, score_indicators
from tests.instruments.sample import sample_data


def _definition() -> Any:
    """The sample plus two fear items (higher = more afraid) outside the 'trust' subscale."""
    data = sample_data()
    data["sections"][0]["items"] += [
        {"id": "afraid", "type": "scale", "scale": "five", "text": "Afraid", "prefer_not": True},
        {"id": "unsafe", "type": "scale", "scale": "five", "text": "Unsafe", "prefer_not": True},
    ]
    data["indicators"] = {"safety": {"label": "Safety", "items": ["afraid", "unsafe"],
                                     "concern_when": {"at_least": 4}}}
    return parse_definition(data)


DEFINITION = _definition()
CALM = {"s1": 5, "s2": 1, "s3": 5, "s4": 5}  # trust mean (5 + 5 + 5 + 5) / 4 = 5.0, "Strong"


@pytest.mark.parametrize(
    ("afraid", "unsafe", "status", "concerns", "text"),
    [
        # 4 = "agree" meets at_least 4: a concern, whatever the other answer.
        (4, 1, "concern", ("afraid",), "Safety concern reported (1 of 2 items)"),
        (5, 5, "concern", ("afraid", "unsafe"), "Safety concern reported (2 of 2 items)"),
        (PREFER_NOT, 4, "concern", ("unsafe",), "Safety concern reported (1 of 2 items)"),
        (None, 5, "concern", ("unsafe",), "Safety concern reported (1 of 2 items)"),
        # 3 is below the line: no concern, and every item answered.
        (3, 1, "none_reported", (), "No concern reported"),
        # Declined or blank: never reassuring.
        (PREFER_NOT, 1, "incomplete", (), "No concern among the answers given; 1 declined of 2 (ask in person)"),
        (None, 2, "incomplete", (), "No concern among the answers given; 1 left blank of 2 (ask in person)"),
        (PREFER_NOT, None, "incomplete", (),
         "No concern among the answers given; 1 declined and 1 left blank of 2 (ask in person)"),
        (None, None, "unanswered", (), "Not answered"),
    ],
)
def test_indicator_by_hand(afraid: Any, unsafe: Any, status: str, concerns: tuple[str, ...], text: str) -> None:
    result = indicator_result(DEFINITION, "safety", {**CALM, "afraid": afraid, "unsafe": unsafe})
    assert (result.status, result.concerns, result.text) == (status, concerns, text)
    assert result.reassuring is (status == "none_reported")
    assert [item.item_id for item in result.items] == ["afraid", "unsafe"]


def test_fear_is_never_averaged_into_a_subscale() -> None:
    # Strongly afraid (5) and unsafe (5) beside a perfect trust score: the mean stays 5.0 and
    # "Strong", and the indicator, not the mean, carries the fear.
    answers = {**CALM, "afraid": 5, "unsafe": 5}
    result = score_administration(DEFINITION, answers)
    assert result.subscales["trust"].mean == 5.0 and result.subscales["trust"].band == "Strong"
    assert score_indicators(DEFINITION, answers)["safety"].status == "concern"


def test_the_inventory_v2_safety_indicator() -> None:
    trust = default_catalog().get("trust-rebuilding", 2)
    calm = dict.fromkeys(trust.indicators["safety"].items, 1)
    assert score_indicators(trust, calm)["safety"].status == "none_reported"
    afraid = score_indicators(trust, {**calm, "sf1": 4})["safety"]
    assert afraid.status == "concern" and afraid.concerns == ("sf1",)
    declined = score_indicators(trust, {**calm, "sf3": PREFER_NOT})["safety"]
    assert declined.status == "incomplete" and declined.declined == ("sf3",) and not declined.reassuring


@pytest.mark.parametrize(("felt_safe", "status"), [(1, "concern"), (2, "concern"), (3, "none_reported"),
                                                    (5, "none_reported"), (PREFER_NOT, "incomplete"),
                                                    (None, "unanswered")])
def test_the_check_in_safety_indicator(felt_safe: Any, status: str) -> None:
    # "I felt safe with my partner this week": 1 = strongly disagree, 2 = disagree are concerns.
    checkin = default_catalog().get("session-checkin", 2)
    result = score_indicators(checkin, {"felt_safe": felt_safe})["safety"]
    assert result.status == status
    assert result.text.startswith("Did not feel safe this week") is (status == "concern")


def test_definitions_without_indicators_have_none() -> None:
    assert score_indicators(default_catalog().get("trust-rebuilding", 1), {"es4": 5}) == {}
