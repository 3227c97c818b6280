"""'Prefer not to answer', indicators and guarded subscales: definition checks and answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.instruments.answers import (
    answer_text,
    coerce_answer,
    is_declined,
    missing_required,
    parse_answers,
    parse_section,
)
from app.instruments.catalog import load_definition_file
from app.instruments.checks import parse_definition
from app.instruments.models import PREFER_NOT, PREFER_NOT_LABEL, Definition, DefinitionError
from tests.instruments.sample import sample_data


def _with_prefer_not(*item_ids: str) -> dict[str, Any]:
    data = sample_data()
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] in item_ids:
                item["prefer_not"] = True
    return data


def _definition(*item_ids: str) -> Definition:
    return parse_definition(_with_prefer_not(*item_ids))


def _problems(data: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "sample.v1.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition_file(path)
    return str(caught.value)


# --- answers ---


@pytest.mark.parametrize("item_id", ["s2", "yn", "pick"])
def test_prefer_not_is_stored_as_its_own_value(item_id: str) -> None:
    definition = _definition(item_id)
    item = definition.item(item_id)
    assert coerce_answer(item, PREFER_NOT) == PREFER_NOT
    assert coerce_answer(item, [f" {PREFER_NOT} "]) == PREFER_NOT  # the form sends a list
    assert is_declined(coerce_answer(item, PREFER_NOT))
    assert answer_text(definition, item, PREFER_NOT) == PREFER_NOT_LABEL == "Prefer not to answer"


@pytest.mark.parametrize("item_id", ["s2", "yn", "pick"])
def test_prefer_not_is_refused_where_the_item_does_not_offer_it(item_id: str) -> None:
    definition = _definition()
    values, errors = parse_answers(definition, {item_id: PREFER_NOT})
    assert values == {} and item_id in errors


def test_a_text_answer_that_says_prefer_not_is_just_text() -> None:
    definition = _definition()
    item = definition.item("name")
    assert coerce_answer(item, PREFER_NOT) == PREFER_NOT
    assert answer_text(definition, item, PREFER_NOT) == PREFER_NOT  # not "Prefer not to answer"


def test_prefer_not_answers_a_required_item() -> None:
    definition = _definition("s1")
    assert definition.item("s1").required
    answers = {"s1": PREFER_NOT, "s2": 3, "s3": 3, "s4": 3, "name": "Sam"}
    assert "s1" not in missing_required(definition, answers)
    assert "s1" in missing_required(definition, {**answers, "s1": None})


def test_the_form_and_the_json_api_both_take_it() -> None:
    definition = _definition("s1", "yn")
    values, errors = parse_section(definition, "main", {"s1": [PREFER_NOT], "s2": ["4"]})
    assert errors == {} and values["s1"] == PREFER_NOT and values["s2"] == 4
    values, errors = parse_answers(definition, {"s1": PREFER_NOT, "yn": PREFER_NOT})
    assert errors == {} and values == {"s1": PREFER_NOT, "yn": PREFER_NOT}


# --- definition checks ---


@pytest.mark.parametrize("item_id", ["many", "name", "story", "when", "kids"])
def test_prefer_not_only_on_one_choice_items(item_id: str, tmp_path: Path) -> None:
    problems = _problems(_with_prefer_not(item_id), tmp_path)
    assert f"item '{item_id}': prefer_not" in problems and "applies to scale, single_choice and yes_no" in problems


def test_prefer_not_is_not_an_option_value(tmp_path: Path) -> None:
    data = sample_data()
    data["sections"][1]["items"][1]["options"].append({"value": PREFER_NOT, "label": "Rather not"})
    assert "item 'pick': option value 'prefer_not' is kept for" in _problems(data, tmp_path)


def test_a_flag_may_name_prefer_not_only_where_it_is_offered(tmp_path: Path) -> None:
    data = _with_prefer_not("s1")
    data["flags"].append({"item": "s1", "when": {"equals": PREFER_NOT}, "severity": "medium", "message": "m"})
    parse_definition(data)  # fine
    data["flags"].append({"item": "s3", "when": {"equals": PREFER_NOT}, "severity": "medium", "message": "m"})
    assert "flag on item 's3': value 'prefer_not' needs prefer_not: true on the item" in _problems(data, tmp_path)
    data = _with_prefer_not("s1")
    data["flags"].append({"item": "s1", "when": {"at_least": PREFER_NOT}, "severity": "low", "message": "m"})
    assert "'at_least' needs a number" in _problems(data, tmp_path)


def _with_indicator(**indicator: Any) -> dict[str, Any]:
    data = sample_data()
    data["sections"][0]["items"].append(
        {"id": "afraid", "type": "scale", "scale": "five", "text": "Afraid", "prefer_not": True}
    )
    data["indicators"] = {"safety": {"label": "Safety", "items": ["afraid"], "concern_when": {"at_least": 4},
                                     **indicator}}
    return data


def test_an_indicator_is_data_in_the_definition() -> None:
    definition = parse_definition(_with_indicator())
    safety = definition.indicators["safety"]
    assert safety.items == ["afraid"] and safety.condition == ("at_least", 4)
    assert safety.concern_label == "Safety concern reported"


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ({"items": ["afraid", "s1"]},
         "indicator 'safety': item 's1' is also in subscale 'trust'; an indicator item is read on its own"),
        ({"items": ["nope"]}, "indicator 'safety': item 'nope' is not an item of this questionnaire"),
        ({"items": ["afraid", "afraid"]}, "indicator 'safety': item 'afraid' is listed twice"),
        ({"concern_when": {"above": 4}}, "indicator 'safety': 'concern_when' needs exactly one of"),
        ({"concern_when": {"at_least": 9}}, "indicator 'safety': item 'afraid': value 9 is outside the scale"),
        ({"items": ["afraid", "name"]}, "indicator 'safety': item 'name': 'at_least' needs a scale or number item"),
    ],
)
def test_indicator_problems_name_the_item(indicator: dict[str, Any], expected: str, tmp_path: Path) -> None:
    assert expected in _problems(_with_indicator(**indicator), tmp_path)


def test_guarded_subscales_come_from_high_flags_and_the_file() -> None:
    data = sample_data()  # s1 (in 'trust') has a high-severity rule
    data["sections"][0]["items"] += [
        {"id": f"c{n}", "type": "scale", "scale": "five", "text": f"C{n}"} for n in (1, 2, 3)
    ]
    calm = {**data["subscales"]["trust"], "label": "Calm", "items": ["c1", "c2", "c3"]}
    data["subscales"]["calm"] = calm
    assert parse_definition(data).guarded_subscales() == ["trust"]
    data["subscales"]["calm"] = {**calm, "guarded": True}
    assert parse_definition(data).guarded_subscales() == ["trust", "calm"]
    data["flags"] = [rule for rule in data["flags"] if rule["severity"] != "high"]
    assert parse_definition(data).guarded_subscales() == ["calm"]
