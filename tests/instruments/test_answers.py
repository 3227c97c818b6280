"""Coercing form strings and JSON values into stored answers."""

from __future__ import annotations

from typing import Any

import pytest

from app.instruments.answers import (
    AnswerError,
    coerce_answer,
    missing_required,
    parse_answers,
    parse_section,
)
from tests.instruments.sample import sample_definition

DEFINITION = sample_definition()


def _coerce(item_id: str, raw: Any) -> Any:
    return coerce_answer(DEFINITION.item(item_id), raw)


@pytest.mark.parametrize(
    ("item_id", "raw", "expected"),
    [
        ("s1", "3", 3),
        ("s1", " 5 ", 5),
        ("s1", 4, 4),
        ("s1", 2.0, 2),
        ("yn", "yes", True),
        ("yn", "No", False),
        ("yn", "true", True),
        ("yn", "false", False),
        ("yn", False, False),
        ("pick", "b", "b"),
        ("pick", ["a"], "a"),
        ("many", ["z", "x"], ["x", "z"]),  # stored in the form's order
        ("many", "y", ["y"]),
        ("many", ["x", "x", ""], ["x"]),
        ("name", "  Sam  ", "Sam"),
        ("when", "2024-03-01", "2024-03-01"),
        ("kids", "2", 2),
        ("kids", 3, 3),
        ("weight", "2.5", 2.5),
        ("weight", -1, -1),
    ],
)
def test_values_are_coerced(item_id: str, raw: Any, expected: Any) -> None:
    assert _coerce(item_id, raw) == expected


@pytest.mark.parametrize("blank", [None, "", "   ", [], [""]])
def test_blank_is_none(blank: Any) -> None:
    for item in DEFINITION.items:
        assert coerce_answer(item, blank) is None


@pytest.mark.parametrize(
    ("item_id", "raw", "message"),
    [
        ("s1", "6", "Choose a number from 1 to 5"),
        ("s1", "three", "Choose a number from 1 to 5"),
        ("s1", True, "Choose a number from 1 to 5"),
        ("s1", 2.5, "Choose a number from 1 to 5"),
        ("s1", ["1", "2"], "Give one answer to this question"),
        ("yn", "maybe", "Answer yes or no"),
        ("pick", "c", "Choose one of the listed options"),
        ("many", ["x", "w"], "Choose only from the listed options"),
        ("many", 3, "Choose only from the listed options"),
        ("story", "x" * 11, "Keep this under 10 characters (it has 11)"),
        ("name", 5, "Enter text"),
        ("when", "1/3/2024", "Enter a date like 2024-03-01"),
        ("when", "2024-02-30", "Enter a date like 2024-03-01"),
        ("when", "20240301", "Enter a date like 2024-03-01"),
        ("kids", "lots", "Enter a number"),
        ("kids", "21", "Enter a number from 0 to 20"),
        ("kids", -1, "Enter a number from 0 to 20"),
        ("weight", "nan", "Enter a number"),
        ("weight", True, "Enter a number"),
    ],
)
def test_invalid_answers_explain_themselves(item_id: str, raw: Any, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        _coerce(item_id, raw)
    assert str(caught.value) == message


def test_parse_section_keeps_what_was_typed_when_it_fails() -> None:
    form = {
        "yn": ["yes"],
        "pick": ["c"],
        "many": ["x", "y"],
        "when": ["next tuesday"],
        "kids": ["3"],
        "name": [""],
        "s1": ["5"],  # not in this section: ignored
    }
    values, errors = parse_section(DEFINITION, "extra", form)
    assert errors == {
        "pick": "Choose one of the listed options",
        "when": "Enter a date like 2024-03-01",
    }
    assert values["pick"] == "c" and values["when"] == "next tuesday"  # raw text kept
    assert values["yn"] is True and values["many"] == ["x", "y"] and values["kids"] == 3
    assert values["name"] is None and values["story"] is None  # blank or absent: None
    assert "s1" not in values


def test_parse_section_last_value_wins_for_single_answers() -> None:
    values, errors = parse_section(DEFINITION, "extra", {"yn": ["no", "yes"]})
    assert errors == {} and values["yn"] is True


def test_parse_section_unknown_section() -> None:
    with pytest.raises(KeyError, match="no section 'nope'"):
        parse_section(DEFINITION, "nope", {})


def test_parse_answers_from_json() -> None:
    values, errors = parse_answers(
        DEFINITION, {"s1": 4, "yn": True, "many": ["y"], "s2": 9, "ghost": 1, "story": None}
    )
    assert values == {"s1": 4, "yn": True, "many": ["y"], "story": None}
    assert errors == {
        "s2": "Choose a number from 1 to 5",
        "ghost": "Unknown question 'ghost' for sample v1",
    }


def test_missing_required() -> None:
    # s1..s4 are scale items (required by default); "name" says required: true
    assert missing_required(DEFINITION, {"s1": 3, "s2": None, "s3": 1}) == {
        "s2": "Please answer this question",
        "s4": "Please answer this question",
        "name": "Please answer this question",
    }
    assert missing_required(DEFINITION, {"name": "  "}, section_id="extra") == {
        "name": "Please answer this question"
    }
    assert missing_required(DEFINITION, {"name": "Sam"}, section_id="extra") == {}


def test_a_line_break_counts_once_against_the_limit() -> None:
    # Ten characters in the browser (a line break is one there) arrive as eleven: CR LF.
    assert _coerce("story", "xxxxx\r\nxxxx") == "xxxxx\nxxxx"
