"""Questionnaire definitions: versioned YAML files in ``assessments/``, validated at load.

A definition is data a clinician can review. This module turns a file into typed
models, cross-checks it (every problem names the file, the item or subscale and what
is wrong), and guards released versions with ``versions.lock`` so an old
administration is always read against the exact text the client answered.

Defaults chosen here: scale items are required unless they say ``required: false``;
every other item type is optional unless it says ``required: true``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

ItemType = Literal[
    "scale",
    "single_choice",
    "multiple_choice",
    "yes_no",
    "short_text",
    "long_text",
    "date",
    "number",
]
Kind = Literal["assessment", "intake", "check-in"]
Severity = Literal["high", "medium", "low"]

CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
TEXT_DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 5000}
CONDITION_KEYS = ("equals", "in", "at_least", "at_most")
LOCK_FILE = "versions.lock"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ID = r"^[a-z][a-z0-9_]*$"  # item/section ids become HTML form field names
_INSTRUMENT_ID = r"^[a-z][a-z0-9-]*$"


class DefinitionError(ValueError):
    """A definition file or the assessments directory is invalid.

    ``problems`` holds one line per problem, each naming file, item and issue.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Strict(BaseModel):
    """Unknown keys are typos in a reviewed file, so they are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponseScale(_Strict):
    """A named answer scale: integer points from ``min`` to ``max``, one label each."""

    min: int
    max: int
    labels: list[str]

    @property
    def points(self) -> range:
        """Every allowed answer, lowest first."""
        return range(self.min, self.max + 1)


class Option(_Strict):
    """One choice of a single- or multiple-choice item."""

    value: str = Field(min_length=1, max_length=60)
    label: str


class Item(_Strict):
    """One question. Fields that do not apply to its ``type`` are rejected by the checks."""

    id: str = Field(pattern=_ID, max_length=60)
    text: str = Field(min_length=1)
    type: ItemType
    required: bool = False
    scale: str | None = None
    options: list[Option] = []
    reverse: bool = False
    min: int | float | None = None
    max: int | float | None = None
    max_length: int | None = None

    _response_scale: ResponseScale | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _type_defaults(cls, data: Any) -> Any:
        """Fill defaults that depend on the item type (see module docstring)."""
        if isinstance(data, dict):
            data = dict(data)
            data.setdefault("required", data.get("type") == "scale")
            if data.get("type") in TEXT_DEFAULT_MAX_LENGTH:
                data.setdefault("max_length", TEXT_DEFAULT_MAX_LENGTH[data["type"]])
        return data

    @property
    def option_values(self) -> list[str]:
        """Allowed stored values of a choice item, in the order shown."""
        return [option.value for option in self.options]

    @property
    def response_scale(self) -> ResponseScale | None:
        """The resolved answer scale of a scale item (set when its definition loads)."""
        return self._response_scale


class Section(_Strict):
    """A page of the form: a title, an optional introduction and its items."""

    id: str = Field(pattern=_ID, max_length=60)
    title: str
    intro: str | None = None
    items: list[Item] = Field(min_length=1)


class Band(_Strict):
    """An interpretation range ``[min, max)``; the last band of a subscale includes its max."""

    min: float
    max: float
    label: str = Field(min_length=1, max_length=80)


class Subscale(_Strict):
    """Scale items averaged together, with reference values used for reliable change."""

    label: str
    items: list[str] = Field(min_length=1)
    reference_mean: float
    reference_sd: float
    reliability: float
    higher_is_better: bool = True
    provisional: bool = False
    bands: list[Band] = Field(min_length=1)

    def band_for(self, mean: float) -> str | None:
        """Label of the band holding ``mean`` (None if outside every band)."""
        last = len(self.bands) - 1
        for index, band in enumerate(self.bands):
            if band.min <= mean < band.max or (index == last and mean == band.max):
                return band.label
        return None


class FlagRule(_Strict):
    """An answer that alerts the counselor (never the client or their partner)."""

    item: str
    when: dict[str, Any]
    severity: Severity
    message: str = Field(min_length=1, max_length=500)

    @property
    def condition(self) -> tuple[str, Any]:
        """The single ``(kind, value)`` pair of ``when`` (checked at load)."""
        ((kind, value),) = self.when.items()
        return kind, value


class Definition(_Strict):
    """A whole questionnaire. Cross-checked as soon as it is built."""

    id: str = Field(pattern=_INSTRUMENT_ID, max_length=60)
    version: int = Field(ge=1)
    title: str
    kind: Kind
    description: str
    scales: dict[str, ResponseScale] = {}
    sections: list[Section] = Field(min_length=1)
    subscales: dict[str, Subscale] = {}
    max_missing_fraction: float = Field(default=0.25, ge=0, lt=1)
    gap_threshold: float | None = Field(default=None, gt=0)
    flags: list[FlagRule] = []

    _checksum: str = PrivateAttr(default="")
    _by_id: dict[str, Item] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_check(self) -> Definition:
        """Refuse inconsistent definitions, then index items and resolve their scales."""
        problems = definition_problems(self)
        if problems:
            raise DefinitionError(problems)
        self._by_id = {item.id: item for item in self.items}
        for item in self._by_id.values():
            if item.scale is not None:
                item._response_scale = self.scales[item.scale]
        return self

    @property
    def items(self) -> list[Item]:
        """Every item in form order."""
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Item:
        """The item with this id; ``KeyError`` naming the questionnaire if unknown."""
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(f"{self.label}: no item '{item_id}'") from None

    def section(self, section_id: str) -> Section:
        """The section with this id; ``KeyError`` naming the questionnaire if unknown."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"{self.label}: no section '{section_id}'")

    def scale_for(self, item: Item | str) -> ResponseScale:
        """The answer scale of a scale item (by item or id)."""
        found = self.item(item) if isinstance(item, str) else item
        if found.scale is None:
            raise ValueError(f"{self.label}: item '{found.id}' is not a scale item")
        return self.scales[found.scale]

    @property
    def checksum(self) -> str:
        """SHA-256 of the file bytes (empty if not loaded from a file)."""
        return self._checksum

    @property
    def label(self) -> str:
        """``id vN`` as used in messages."""
        return f"{self.id} v{self.version}"


# --- cross-checks: each returns plain-language problems naming the item/subscale ---


def definition_problems(definition: Definition) -> list[str]:
    """Every consistency problem in a parsed definition (empty if it is sound)."""
    problems = [
        f"scale '{name}': {issue}"
        for name, scale in definition.scales.items()
        for issue in _scale_issues(scale)
    ]
    seen: set[str] = set()
    for item in definition.items:
        if item.id in seen:
            problems.append(f"item '{item.id}': duplicate item id")
        seen.add(item.id)
        problems += [f"item '{item.id}': {issue}" for issue in _item_issues(item, definition)]
    section_ids = [section.id for section in definition.sections]
    problems += [
        f"section '{sid}': duplicate section id"
        for sid in sorted({s for s in section_ids if section_ids.count(s) > 1})
    ]
    problems += _subscale_problems(definition)
    problems += _flag_problems(definition)
    return problems


def _scale_issues(scale: ResponseScale) -> list[str]:
    if scale.min >= scale.max:
        return [f"min ({scale.min}) must be below max ({scale.max})"]
    points = scale.max - scale.min + 1
    if len(scale.labels) != points:
        return [f"needs one label per point ({points}), has {len(scale.labels)}"]
    return []


def _item_issues(item: Item, definition: Definition) -> list[str]:
    issues = []
    is_scale, is_choice = item.type == "scale", item.type in CHOICE_TYPES
    if is_scale and item.scale is None:
        issues.append("scale item needs a 'scale' name")
    elif is_scale and item.scale not in definition.scales:
        known = ", ".join(sorted(definition.scales)) or "none"
        issues.append(f"unknown scale '{item.scale}' (known: {known})")
    if not is_scale and item.scale is not None:
        issues.append("only scale items take a 'scale'")
    if item.reverse and not is_scale:
        issues.append("reverse-keyed item must be a scale item")
    if is_choice and not item.options:
        issues.append(f"{item.type} item needs options")
    if not is_choice and item.options:
        issues.append("only choice items take options")
    values = item.option_values
    if len(set(values)) != len(values):
        issues.append("option values must be unique")
    if item.type != "number" and (item.min is not None or item.max is not None):
        issues.append("only number items take min/max")
    if item.min is not None and item.max is not None and item.min > item.max:
        issues.append(f"min ({item.min}) is above max ({item.max})")
    if item.type not in TEXT_DEFAULT_MAX_LENGTH and item.max_length is not None:
        issues.append("only text items take max_length")
    if item.max_length is not None and item.max_length < 1:
        issues.append("max_length must be at least 1")
    return issues


def _subscale_problems(definition: Definition) -> list[str]:
    problems: list[str] = []
    owner: dict[str, str] = {}
    for sid, subscale in definition.subscales.items():
        where = f"subscale '{sid}'"
        if not 0 < subscale.reliability < 1:
            problems.append(
                f"{where}: reliability must be between 0 and 1, not {subscale.reliability}"
            )
        if subscale.reference_sd <= 0:
            problems.append(f"{where}: reference_sd must be above 0, got {subscale.reference_sd}")
        scale_names = set()
        for item_id in subscale.items:
            issue = _subscale_item_issue(definition, item_id, owner.get(item_id))
            if issue:
                problems.append(f"{where}: item '{item_id}' {issue}")
                continue
            owner[item_id] = sid
            scale_names.add(_find_item(definition, item_id).scale)
        if len(scale_names) > 1:
            names = ", ".join(sorted(scale_names))
            problems.append(f"{where}: items use different scales ({names})")
        elif len(scale_names) == 1 and (scale := definition.scales.get(scale_names.pop())):
            problems += [f"{where}: {issue}" for issue in _band_issues(subscale.bands, scale)]
    return problems


def _subscale_item_issue(definition: Definition, item_id: str, owner: str | None) -> str | None:
    item = _find_item(definition, item_id)
    if item is None:
        return "is not an item of this questionnaire"
    if item.type != "scale":
        return f"is a {item.type} item; subscales take scale items only"
    if owner is not None:
        return f"is already in subscale '{owner}'"
    return None


def _band_issues(bands: list[Band], scale: ResponseScale) -> list[str]:
    issues = []
    for band in bands:
        if band.min >= band.max:
            issues.append(f"band '{band.label}': min ({band.min}) must be below max ({band.max})")
        if band.min < scale.min or band.max > scale.max:
            issues.append(f"band '{band.label}' is outside the scale ({scale.min} to {scale.max})")
    if bands[0].min != scale.min:
        issues.append(f"bands start at {bands[0].min} but the scale starts at {scale.min}")
    if bands[-1].max != scale.max:
        issues.append(f"bands end at {bands[-1].max} but the scale ends at {scale.max}")
    for before, after in pairwise(bands):
        if after.min > before.max:
            issues.append(
                f"gap between bands '{before.label}' and '{after.label}' "
                f"({before.max} to {after.min})"
            )
        elif after.min < before.max:
            issues.append(f"bands '{before.label}' and '{after.label}' overlap")
    return issues


def _flag_problems(definition: Definition) -> list[str]:
    problems = []
    for rule in definition.flags:
        where = f"flag on item '{rule.item}'"
        item = _find_item(definition, rule.item)
        if item is None:
            problems.append(f"{where}: unknown item")
        elif len(rule.when) != 1 or next(iter(rule.when)) not in CONDITION_KEYS:
            problems.append(f"{where}: 'when' needs exactly one of {', '.join(CONDITION_KEYS)}")
        else:
            problems += [f"{where}: {issue}" for issue in _condition_issues(item, rule, definition)]
    return problems


def _condition_issues(item: Item, rule: FlagRule, definition: Definition) -> list[str]:
    kind, value = rule.condition
    if kind in ("at_least", "at_most"):
        if item.type not in ("scale", "number"):
            return [f"'{kind}' needs a scale or number item, not {item.type}"]
        values = [value]
    elif kind == "in":
        if not isinstance(value, list) or not value:
            return ["'in' needs a non-empty list of values"]
        values = value
    else:
        values = [value]
    return [issue for v in values if (issue := _flag_value_issue(item, v, definition))]


def _flag_value_issue(item: Item, value: Any, definition: Definition) -> str | None:
    """Why ``value`` can never be an answer to ``item`` (None if it can)."""
    if item.type in CHOICE_TYPES and value not in item.option_values:
        return f"value {value!r} is not one of the item's options ({', '.join(item.option_values)})"
    if item.type == "yes_no" and not isinstance(value, bool):
        return f"value {value!r} must be yes or no"
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if item.type in ("scale", "number") and not numeric:
        return f"value {value!r} must be a number"
    if item.type == "scale" and item.scale in definition.scales:
        scale = definition.scales[item.scale]
        if not scale.min <= value <= scale.max:
            return f"value {value} is outside the scale ({scale.min} to {scale.max})"
    if item.type in TEXT_DEFAULT_MAX_LENGTH or item.type == "date":
        return f"{item.type} items cannot raise flags"
    return None


def _find_item(definition: Definition, item_id: str) -> Item | None:
    """Linear lookup used while validating, before the id index exists."""
    return next((item for item in definition.items if item.id == item_id), None)


# --- loading one file ---


def load_definition_file(path: Path) -> Definition:
    """Parse, validate and checksum one ``{id}.v{version}.yaml`` file."""
    data = path.read_bytes()
    name = path.name
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise DefinitionError([f"{name}: not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise DefinitionError([f"{name}: expected a mapping of fields at the top level"])
    try:
        definition = Definition.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError([f"{name}: {p}" for p in _validation_problems(exc, raw)]) from None
    expected = f"{definition.id}.v{definition.version}.yaml"
    if name != expected:
        problem = f"{name}: file name must be '{expected}' to match its id and version"
        raise DefinitionError([problem])
    definition._checksum = hashlib.sha256(data).hexdigest()
    return definition


def _validation_problems(exc: ValidationError, raw: dict[str, Any]) -> list[str]:
    """Turn pydantic errors into lines naming the section/item/subscale involved."""
    problems = []
    for error in exc.errors():
        carried = error.get("ctx", {}).get("error")
        if isinstance(carried, DefinitionError):
            problems += carried.problems
        else:
            hint = ""
            if error["type"] == "string_type" and isinstance(error.get("input"), bool):
                hint = " (YAML reads bare yes/no/on/off as true/false: quote them)"
            problems.append(f"{_describe_location(raw, error['loc'])}: {error['msg']}{hint}")
    return problems


# Containers whose entries are named in messages: noun, and the key holding the name.
_NAMED = {
    "sections": ("section", "id"),
    "items": ("item", "id"),
    "options": ("option", "value"),
    "bands": ("band", "label"),
    "flags": ("flag on item", "item"),
    "scales": ("scale", None),
    "subscales": ("subscale", None),
}


def _describe_location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """E.g. ``('sections', 0, 'items', 2, 'type')`` -> ``section 'a': item 'q3': field 'type'``."""
    parts: list[str] = []
    node, parent = raw, None
    for key in loc:
        node = _child(node, key)
        if parent in _NAMED:
            noun, name_key = _NAMED[parent]
            name = node.get(name_key) if name_key and isinstance(node, dict) else None
            if name is None:
                name = f"#{key + 1}" if isinstance(key, int) else key
            parts.append(f"{noun} '{name}'")
        elif key not in _NAMED:
            parts.append(f"field '{key}'")
        parent = key
    return ": ".join(parts) or "top level"


def _child(node: Any, key: int | str) -> Any:
    """Step into raw YAML data along a pydantic error location (None when absent)."""
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


# --- the directory, the lock and the catalog ---


class Catalog:
    """Every loaded definition, by id and version; old versions stay available."""

    def __init__(self, definitions: Iterable[Definition], unlocked: Iterable[tuple[str, int]] = ()):
        self._by_key = {(d.id, d.version): d for d in definitions}
        self._unlocked = sorted(unlocked)

    def get(self, instrument_id: str, version: int) -> Definition:
        """The exact version an administration was given with."""
        try:
            return self._by_key[(instrument_id, version)]
        except KeyError:
            known = self.versions(instrument_id)
            hint = f"known versions: {known}" if known else "no such questionnaire"
            message = f"questionnaire '{instrument_id}' version {version} not found ({hint})"
            raise KeyError(message) from None

    def latest(self, instrument_id: str) -> Definition:
        """The highest version, used for new administrations."""
        known = self.versions(instrument_id)
        if not known:
            raise KeyError(f"questionnaire '{instrument_id}' not found")
        return self._by_key[(instrument_id, known[-1])]

    def all(self) -> list[Definition]:
        """The latest version of every questionnaire, by id."""
        return [self.latest(i) for i in sorted({i for i, _ in self._by_key})]

    def versions(self, instrument_id: str) -> list[int]:
        """Versions available for an id, oldest first (empty if unknown)."""
        return sorted(v for i, v in self._by_key if i == instrument_id)

    def unlocked(self) -> list[tuple[str, int]]:
        """``(id, version)`` pairs not yet in ``versions.lock`` (new, unreleased)."""
        return list(self._unlocked)


def read_lock(directory: Path) -> tuple[dict[tuple[str, int], str], list[str]]:
    """``versions.lock`` as ``{(id, version): sha256}`` plus problems with its lines."""
    path = directory / LOCK_FILE
    locked: dict[tuple[str, int], str] = {}
    problems = []
    if not path.exists():
        return locked, problems
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) != 3 or not fields[1].isdigit() or not _SHA256.fullmatch(fields[2]):
            problems.append(f"{LOCK_FILE} line {number}: expected 'id version sha256': {text!r}")
            continue
        locked[(fields[0], int(fields[1]))] = fields[2]
    return locked, problems


def _scan(directory: Path) -> tuple[list[Definition], list[str], list[tuple[str, int]]]:
    """Load every file and compare with the lock: (definitions, problems, unlocked)."""
    if not directory.is_dir():
        return [], [f"{directory}: no such directory"], []
    definitions, problems, unlocked = [], [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            definitions.append(load_definition_file(path))
        except DefinitionError as exc:
            problems += exc.problems
    locked, lock_problems = read_lock(directory)
    problems += lock_problems
    for d in definitions:
        released = locked.get((d.id, d.version))
        if released is None:
            unlocked.append((d.id, d.version))
        elif released != d.checksum:
            problems.append(
                f"{d.id}.v{d.version}.yaml: {d.id} version {d.version} changed after it was "
                f"released; give it a new version (copy it to {d.id}.v{d.version + 1}.yaml)"
            )
    for instrument_id, version in sorted(locked):
        name = f"{instrument_id}.v{version}.yaml"
        if not (directory / name).exists():
            problems.append(f"{LOCK_FILE}: {name} was released but is missing; old answers need it")
    return definitions, problems, unlocked


def load_catalog(directory: Path) -> Catalog:
    """Load and check a whole directory; ``DefinitionError`` lists every problem found."""
    definitions, problems, unlocked = _scan(directory)
    if problems:
        raise DefinitionError(problems)
    return Catalog(definitions, unlocked)


def check_directory(directory: Path) -> list[str]:
    """Human-readable problems with a directory of definitions (empty if all is well)."""
    return _scan(directory)[1]


def write_lock(directory: Path) -> list[tuple[str, int]]:
    """Release new versions: append their lines to the lock, never touching existing lines."""
    definitions, problems, unlocked = _scan(directory)
    if problems:
        raise DefinitionError(problems)
    path = directory / LOCK_FILE
    by_key = {(d.id, d.version): d for d in definitions}
    lines = [f"{i} {v} {by_key[(i, v)].checksum}\n" for i, v in unlocked]
    if lines:
        existing = (
            path.read_text(encoding="utf-8")
            if path.exists()
            else (
                "# Released questionnaire versions: id version sha256. Never edit a line;\n"
                "# change a released file by copying it to a new version.\n"
            )
        )
        if existing and not existing.endswith("\n"):
            existing += "\n"
        path.write_text(existing + "".join(lines), encoding="utf-8")
    return unlocked


ASSESSMENTS_DIR = Path(__file__).resolve().parents[2] / "assessments"


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The repo's ``assessments/`` catalog, loaded once per process."""
    return load_catalog(ASSESSMENTS_DIR)
