"""Loading, cross-checking and locking questionnaire definitions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import ASSESSMENTS_DIR
from app.instruments.catalog import (
    check_directory,
    default_catalog,
    load_catalog,
    load_definition_file,
    read_lock,
    write_lock,
)
from app.instruments.models import DefinitionError
from tests.instruments.sample import sample_data


def _write(directory: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = directory / (name or f"{data['id']}.v{data['version']}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _problems(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> str:
    data = sample_data()
    change(data)
    with pytest.raises(DefinitionError) as caught:
        load_definition_file(_write(tmp_path, data))
    return str(caught.value)


def _items(data: dict[str, Any], section: int = 0) -> list[dict[str, Any]]:
    return data["sections"][section]["items"]


# --- the shipped files ---


def test_shipped_definitions_load_and_match_the_lock() -> None:
    assert check_directory(ASSESSMENTS_DIR) == []
    catalog = load_catalog(ASSESSMENTS_DIR)
    assert {d.id for d in catalog.all()} == {
        "trust-rebuilding",
        "couples-intake",
        "session-checkin",
    }
    assert catalog.unlocked() == []
    locked, problems = read_lock(ASSESSMENTS_DIR)
    assert problems == []
    for definition in catalog.all():
        assert locked[(definition.id, definition.version)] == definition.checksum


def test_trust_inventory_shape() -> None:
    trust = default_catalog().get("trust-rebuilding", 1)
    assert trust.kind == "assessment"
    assert set(trust.subscales) == {
        "transparency", "accountability", "communication",
        "empathy", "commitment", "emotional_safety",
    }  # fmt: skip
    for subscale in trust.subscales.values():
        assert 4 <= len(subscale.items) <= 6
        assert any(trust.item(i).reverse for i in subscale.items), subscale.label
        assert subscale.provisional
    assert any(rule.severity == "high" for rule in trust.flags)


def test_intake_safety_screen_flags_yes() -> None:
    intake = default_catalog().get("couples-intake", 2)
    assert intake.subscales == {}
    safety = intake.section("safety")
    flagged = {rule.item for rule in intake.flags if rule.severity == "high"}
    for item in safety.items:
        assert item.type == "yes_no"
        assert item.id in flagged
    breach = intake.item("breach_type")
    assert breach.option_values == [
        "infidelity", "emotional_affair", "deception", "financial_betrayal",
        "neglect", "manipulation", "addiction", "other",
    ]  # fmt: skip


def test_defaults_for_required_and_text_length() -> None:
    checkin = default_catalog().get("session-checkin", 1)
    assert checkin.item("felt_safe").required  # scale items default to required
    assert not checkin.item("topic_today").required  # others default to optional
    intake = default_catalog().get("couples-intake", 1)
    assert intake.item("what_happened_in_words").max_length == 5000
    assert intake.item("pronouns").max_length == 40
    assert intake.scale_for(intake.item("hope_now")).max == 5


# --- broken files: each message names file, item (or subscale) and problem ---


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _items(d, 1)[0].update(reverse=True),
            "sample.v1.yaml: item 'yn': reverse-keyed item must be a scale item",
        ),
        (
            lambda d: _items(d, 1).append(dict(_items(d, 1)[0])),
            "sample.v1.yaml: item 'yn': duplicate item id",
        ),
        (
            lambda d: d["subscales"]["trust"]["items"].append("nope"),
            "sample.v1.yaml: subscale 'trust': item 'nope' is not an item of this questionnaire",
        ),
        (
            lambda d: d["subscales"]["trust"]["items"].append("pick"),
            "sample.v1.yaml: subscale 'trust': item 'pick' is a single_choice item",
        ),
        (
            lambda d: d["subscales"].update(other={**d["subscales"]["trust"], "items": ["s1"]}),
            "sample.v1.yaml: subscale 'other': item 's1' is already in subscale 'trust'",
        ),
        (
            lambda d: _items(d)[0].update(scale="seven"),
            "sample.v1.yaml: item 's1': unknown scale 'seven'",
        ),
        (
            lambda d: _items(d, 1)[1].update(options=[]),
            "sample.v1.yaml: item 'pick': single_choice item needs options",
        ),
        (
            lambda d: d["subscales"]["trust"]["bands"][1].update(min=2.6),
            "sample.v1.yaml: subscale 'trust': gap between bands 'Low' and 'Mixed'",
        ),
        (
            lambda d: d["subscales"]["trust"]["bands"][1].update(min=2.0),
            "sample.v1.yaml: subscale 'trust': bands 'Low' and 'Mixed' overlap",
        ),
        (
            lambda d: d["subscales"]["trust"]["bands"][2].update(max=6.0),
            "sample.v1.yaml: subscale 'trust': band 'Strong' is outside the scale (1 to 5)",
        ),
        (
            lambda d: d["flags"].append({**d["flags"][0], "item": "ghost"}),
            "sample.v1.yaml: flag on item 'ghost': unknown item",
        ),
        (
            lambda d: d["flags"][1].update(when={"equals": "c"}),
            "sample.v1.yaml: flag on item 'pick': value 'c' is not one of the item's options",
        ),
        (
            lambda d: d["flags"][3].update(when={"at_least": 9}),
            "sample.v1.yaml: flag on item 's1': value 9 is outside the scale",
        ),
        (
            lambda d: d["flags"][0].update(when={"equals": True, "in": [True]}),
            "sample.v1.yaml: flag on item 'yn': 'when' needs exactly one of",
        ),
        (
            lambda d: d["subscales"]["trust"].update(reliability=1.2),
            "sample.v1.yaml: subscale 'trust': reliability must be between 0 and 1",
        ),
        (
            lambda d: d["subscales"]["trust"].update(reliability=0),
            "sample.v1.yaml: subscale 'trust': reliability must be between 0 and 1",
        ),
        (
            lambda d: d["subscales"]["trust"].update(reference_sd=0),
            "sample.v1.yaml: subscale 'trust': reference_sd must be above 0",
        ),
        (
            lambda d: _items(d)[2].update(type="slider"),
            "sample.v1.yaml: section 'main': item 's3': field 'type': Input should be",
        ),
        (
            lambda d: _items(d)[2].update(colour="red"),
            "sample.v1.yaml: section 'main': item 's3': field 'colour': Extra inputs",
        ),
        (
            lambda d: _items(d, 1)[1]["options"][0].update(value=True),
            "item 'pick': option 'True': field 'value': Input should be a valid string (YAML",
        ),
        (
            lambda d: d["scales"]["five"]["labels"].pop(),
            "sample.v1.yaml: scale 'five': needs one label per point (5), has 4",
        ),
    ],
)
def test_broken_definitions_are_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    assert expected in _problems(tmp_path, change)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def two_mistakes(data: dict[str, Any]) -> None:
        _items(data, 1)[0]["reverse"] = True
        data["subscales"]["trust"]["reference_sd"] = -1

    message = _problems(tmp_path, two_mistakes)
    assert "item 'yn': reverse-keyed" in message and "reference_sd must be above 0" in message


def test_file_name_must_match_id_and_version(tmp_path: Path) -> None:
    path = _write(tmp_path, sample_data(), name="sample.v2.yaml")
    with pytest.raises(
        DefinitionError, match=r"sample.v2.yaml: file name must be 'sample.v1.yaml'"
    ):
        load_definition_file(path)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.v1.yaml"
    path.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^bad.v1.yaml: not valid YAML"):
        load_definition_file(path)


# --- versions and the lock ---


def test_lock_refuses_a_changed_release(tmp_path: Path) -> None:
    data = sample_data()
    _write(tmp_path, data)
    assert write_lock(tmp_path) == [("sample", 1)]
    data["title"] = "Sample, edited after release"
    _write(tmp_path, data)
    expected = (
        "sample.v1.yaml: sample version 1 changed after it was released; give it a new version"
    )
    assert any(problem.startswith(expected) for problem in check_directory(tmp_path))
    with pytest.raises(DefinitionError, match="changed after it was released"):
        load_catalog(tmp_path)


def test_two_versions_coexist_and_the_lock_only_grows(tmp_path: Path) -> None:
    first = sample_data()
    _write(tmp_path, first)
    write_lock(tmp_path)
    lock_before = (tmp_path / "versions.lock").read_text(encoding="utf-8")
    second = sample_data()
    second.update(version=2, title="Sample, second edition")
    _write(tmp_path, second)

    catalog = load_catalog(tmp_path)
    assert catalog.unlocked() == [("sample", 2)]
    assert catalog.versions("sample") == [1, 2]
    assert catalog.get("sample", 1).title == "Sample"
    assert catalog.latest("sample").version == 2
    assert [d.version for d in catalog.all()] == [2]

    assert write_lock(tmp_path) == [("sample", 2)]
    lock_after = (tmp_path / "versions.lock").read_text(encoding="utf-8")
    assert lock_after.startswith(lock_before)  # existing lines untouched
    assert write_lock(tmp_path) == []
    assert load_catalog(tmp_path).unlocked() == []


def test_unknown_versions_raise_a_clear_key_error(tmp_path: Path) -> None:
    _write(tmp_path, sample_data())
    catalog = load_catalog(tmp_path)
    with pytest.raises(KeyError, match=r"'sample' version 3 not found \(known versions: \[1\]\)"):
        catalog.get("sample", 3)
    with pytest.raises(KeyError, match="'missing' not found"):
        catalog.latest("missing")
    assert catalog.versions("missing") == []


def test_a_released_file_must_not_disappear(tmp_path: Path) -> None:
    path = _write(tmp_path, sample_data())
    write_lock(tmp_path)
    path.unlink()
    assert check_directory(tmp_path) == [
        "versions.lock: sample.v1.yaml was released but is missing; old answers need it"
    ]


def test_malformed_lock_lines_are_reported(tmp_path: Path) -> None:
    (tmp_path / "versions.lock").write_text("# comment\nsample one abc\n", encoding="utf-8")
    assert check_directory(tmp_path) == [
        "versions.lock line 2: expected 'id version sha256': 'sample one abc'"
    ]


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    assert check_directory(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such directory"]
