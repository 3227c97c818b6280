"""Answers: turning what a client sent (HTML form strings or JSON values) into stored
answers, and stored answers back into the words the client saw.

Stored answers are JSON-safe: scale -> int, single_choice -> option value, multiple_choice
-> list of option values (in the order the form shows them), yes_no -> bool, text -> str,
date -> ``YYYY-MM-DD`` str, number -> int or float. A blank answer is ``None``.
"Prefer not to answer" (items with ``prefer_not: true``) is stored as ``PREFER_NOT``, whatever
the item type: it answers a required item, and scoring counts it as missing.
Error messages are written for the client filling in the form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from app.instruments.models import PREFER_NOT, PREFER_NOT_LABEL, Definition, Item, ResponseScale

Answer = int | float | bool | str | list[str]

_YES = frozenset({"yes", "true", "y", "1", "on"})
_NO = frozenset({"no", "false", "n", "0", "off"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ASCII digits only (\d also matches other scripts), and short: int() refuses 4,300+ digits.
_INTEGER = re.compile(r"^[+-]?[0-9]{1,15}$")
REQUIRED_MESSAGE = "Please answer this question"


class AnswerError(ValueError):
    """An answer the client must correct; ``str(error)`` is shown to them."""


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return all(_is_blank(part) for part in raw)
    return False


def is_declined(value: Any) -> bool:
    """Whether a stored answer is "Prefer not to answer" (given, but not a value to score)."""
    return isinstance(value, str) and value == PREFER_NOT


def coerce_answer(item: Item, raw: Any, *, scale: ResponseScale | None = None) -> Answer | None:
    """The stored form of one answer, ``None`` when blank; ``AnswerError`` when invalid.

    ``scale`` is only needed for scale items whose definition did not resolve it.
    """
    if _is_blank(raw):
        return None
    if item.prefer_not and _declines(raw):
        return PREFER_NOT
    if item.type == "multiple_choice":
        return _coerce_multiple(item, raw)
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            raise AnswerError("Give one answer to this question")
        raw = raw[0]
    if item.type == "scale":
        return _coerce_scale(raw, scale or item.response_scale)
    return _COERCERS[item.type](item, raw)


def _declines(raw: Any) -> bool:
    """The form's "Prefer not to answer" choice (or the same value sent as JSON)."""
    if isinstance(raw, list | tuple):
        return len(raw) == 1 and _declines(raw[0])
    return isinstance(raw, str) and raw.strip() == PREFER_NOT


def _coerce_scale(raw: Any, scale: ResponseScale | None) -> int:
    if scale is None:
        raise ValueError("scale item without a resolved scale; pass scale=")
    message = f"Choose a number from {scale.min} to {scale.max}"
    value = _whole_number(raw)
    if value is None or value not in scale.points:
        raise AnswerError(message)
    return value


def _whole_number(raw: Any) -> int | None:
    """An int from an int, an integral float or a digit string; None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and _INTEGER.match(raw.strip()):
        return int(raw.strip())
    return None


def _coerce_single(item: Item, raw: Any) -> str:
    value = raw.strip() if isinstance(raw, str) else raw
    if value not in item.option_values:
        raise AnswerError("Choose one of the listed options")
    return value


def _coerce_multiple(item: Item, raw: Any) -> list[str] | None:
    chosen = [raw] if isinstance(raw, str) else raw
    if not isinstance(chosen, list | tuple) or not all(
        isinstance(part, str) for part in chosen if part is not None
    ):
        raise AnswerError("Choose only from the listed options")
    values = {part.strip() for part in chosen if part and part.strip()}
    if not values <= set(item.option_values):
        raise AnswerError("Choose only from the listed options")
    # Stored in the form's order so the same choices always look the same.
    return [value for value in item.option_values if value in values] or None


def _coerce_yes_no(item: Item, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = raw.strip().lower() if isinstance(raw, str) else None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise AnswerError("Answer yes or no")


def _coerce_text(item: Item, raw: Any) -> str:
    if not isinstance(raw, str):
        raise AnswerError("Enter text")
    # Outer whitespace is never meaningful; inner line breaks are kept, as one character each: a
    # browser counts a line break as one against maxlength but posts it as CR LF.
    text = raw.replace("\r\n", "\n").strip()
    limit = item.max_length
    if limit is not None and len(text) > limit:
        raise AnswerError(f"Keep this under {limit} characters (it has {len(text)})")
    return text


def _coerce_date(item: Item, raw: Any) -> str:
    if isinstance(raw, date):
        return raw.isoformat()
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise AnswerError("Enter a date like 2024-03-01") from None


def _coerce_number(item: Item, raw: Any) -> int | float:
    value = _number(raw)
    if value is None:
        raise AnswerError("Enter a number")
    low, high = item.min, item.max
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerError(_range_message(low, high))
    return value


def _number(raw: Any) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return raw if math.isfinite(raw) else None
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if _INTEGER.match(text):
        return int(text)
    if len(text) > 40 or not text.isascii():  # no number a person enters is longer
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _range_message(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"Enter a number from {low} to {high}"
    if low is not None:
        return f"Enter a number of at least {low}"
    return f"Enter a number of at most {high}"


_COERCERS = {
    "single_choice": _coerce_single,
    "yes_no": _coerce_yes_no,
    "short_text": _coerce_text,
    "long_text": _coerce_text,
    "date": _coerce_date,
    "number": _coerce_number,
}


def _form_raw(item: Item, values: Sequence[str] | str | None) -> Any:
    """What a form sent for one item: the list for multiple choice, else the last value.

    The last value wins so a hidden default followed by a real control behaves.
    """
    if values is None or isinstance(values, str):
        return values
    if item.type == "multiple_choice":
        return list(values)
    return values[-1] if values else None


def parse_section(
    definition: Definition, section_id: str, form: Mapping[str, Sequence[str] | str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce one page of the public form: ``(values, errors)``.

    ``values`` has every item of the section: the stored value, ``None`` when blank (so a
    cleared answer can be removed), or the raw text when it failed, so a form can show
    again what the client typed next to ``errors[item_id]``.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in definition.section(section_id).items:
        raw = _form_raw(item, form.get(item.id))
        try:
            values[item.id] = coerce_answer(item, raw)
        except AnswerError as exc:
            values[item.id] = raw
            errors[item.id] = str(exc)
    return values, errors


def parse_answers(
    definition: Definition, data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce answers sent as JSON: ``(values, errors)``.

    Only valid answers (or ``None`` for blank ones) are in ``values``; unknown item ids
    and invalid answers are in ``errors`` and nowhere else, so nothing bad is stored.
    """
    known = {item.id: item for item in definition.items}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item_id, raw in data.items():
        item = known.get(item_id)
        if item is None:
            errors[item_id] = f"Unknown question '{item_id}' for {definition.label}"
            continue
        try:
            values[item_id] = coerce_answer(item, raw)
        except AnswerError as exc:
            errors[item_id] = str(exc)
    return values, errors


def missing_required(
    definition: Definition, answers: Mapping[str, Any], section_id: str | None = None
) -> dict[str, str]:
    """Required items (of one section, or all) without an answer, with a message each."""
    items = definition.section(section_id).items if section_id else definition.items
    return {
        item.id: REQUIRED_MESSAGE
        for item in items
        if item.required and _is_blank(answers.get(item.id))
    }


def answer_text(
    definition: Definition, item: Item, value: Any, *, with_point: bool = True, limit: int | None = None
) -> str | None:
    """An answer in the words the client saw: option and scale labels, not codes.

    ``with_point`` adds a scale answer's number (``Agree (4)``); ``limit`` shortens long
    text with an ellipsis. None when there is no answer.
    """
    if value is None:
        return None
    if item.prefer_not and is_declined(value):  # a text answer may say "prefer_not" and mean it
        return PREFER_NOT_LABEL
    if item.type == "scale":
        scale = definition.scale_for(item)
        if not (isinstance(value, int) and scale.min <= value <= scale.max):
            return str(value)
        words = scale.labels[value - scale.min]
        return f"{words} ({value})" if with_point else words
    if item.type in ("single_choice", "multiple_choice"):
        labels = {option.value: option.label for option in item.options}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in chosen)
    if item.type == "yes_no":
        return "Yes" if value else "No"
    text = str(value).strip()
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text
