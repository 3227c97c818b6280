"""Building a definition from raw data: field validation, then cross-checks.

Each problem names the item or subscale and what is wrong, in plain language, so the
person editing the YAML file can fix it without reading code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from app.instruments.models import (
    _ID,
    CHOICE_TYPES,
    CONDITION_KEYS,
    PREFER_NOT,
    PREFER_NOT_TYPES,
    TEXT_DEFAULT_MAX_LENGTH,
    Band,
    Definition,
    DefinitionError,
    Item,
    ResponseScale,
)


def parse_definition(raw: Mapping[str, Any], *, source: str = "") -> Definition:
    """A checked definition from parsed YAML; ``DefinitionError`` lists every problem.

    ``source`` (a file name) prefixes each problem line.
    """
    prefix = f"{source}: " if source else ""
    try:
        definition = Definition.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError([f"{prefix}{p}" for p in _validation_problems(exc, raw)]) from None
    problems = definition_problems(definition)
    if problems:
        raise DefinitionError([f"{prefix}{p}" for p in problems])
    return definition


def _validation_problems(exc: ValidationError, raw: Mapping[str, Any]) -> list[str]:
    """Turn pydantic errors into lines naming the section/item/subscale involved."""
    problems = []
    for error in exc.errors():
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
    problems += _indicator_problems(definition)
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
    if item.prefer_not and item.type not in PREFER_NOT_TYPES:
        issues.append(
            f"prefer_not (\"Prefer not to answer\") applies to scale, single_choice and yes_no "
            f"items, not {item.type}"
        )
    if PREFER_NOT in values:
        issues.append(
            f"option value '{PREFER_NOT}' is kept for \"Prefer not to answer\" (use prefer_not: true)"
        )
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
            problems += [
                f"{where}: {issue}" for issue in _condition_issues(item, rule.condition, definition)
            ]
    return problems


def _indicator_problems(definition: Definition) -> list[str]:
    """Indicator items exist, stand apart from every subscale, and can meet the condition."""
    problems = []
    in_subscale = {
        item_id: sid for sid, subscale in definition.subscales.items() for item_id in subscale.items
    }
    for iid, indicator in definition.indicators.items():
        where = f"indicator '{iid}'"
        if not re.match(_ID, iid):
            problems.append(f"{where}: id must be lower case letters, digits and _")
        condition = indicator.concern_when
        if len(condition) != 1 or next(iter(condition)) not in CONDITION_KEYS:
            keys = ", ".join(CONDITION_KEYS)
            problems.append(f"{where}: 'concern_when' needs exactly one of {keys}")
            condition = {}
        seen: set[str] = set()
        for item_id in indicator.items:
            item = _find_item(definition, item_id)
            if item is None:
                problems.append(f"{where}: item '{item_id}' is not an item of this questionnaire")
                continue
            if item_id in seen:
                problems.append(f"{where}: item '{item_id}' is listed twice")
            seen.add(item_id)
            if item_id in in_subscale:
                problems.append(
                    f"{where}: item '{item_id}' is also in subscale '{in_subscale[item_id]}'; "
                    "an indicator item is read on its own, never averaged"
                )
            if condition:
                problems += [
                    f"{where}: item '{item_id}': {issue}"
                    for issue in _condition_issues(item, indicator.condition, definition)
                ]
    return problems


def _condition_issues(item: Item, condition: tuple[str, Any], definition: Definition) -> list[str]:
    kind, value = condition
    if kind in ("at_least", "at_most"):
        if item.type not in ("scale", "number"):
            return [f"'{kind}' needs a scale or number item, not {item.type}"]
        if value == PREFER_NOT:
            return [f"'{kind}' needs a number; name '{PREFER_NOT}' with 'equals' or 'in'"]
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
    if value == PREFER_NOT:
        return None if item.prefer_not else f"value '{PREFER_NOT}' needs prefer_not: true on the item"
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
