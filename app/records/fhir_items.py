"""Mend's definitions and stored answers as FHIR items: plain JSON-ready dicts, no database.

``app.records.fhir`` wraps them in resources and has fhir.resources validate them; the mapping
is described in its docstring. Every display text comes from ``instruments.answers.answer_text``,
so an answer reads here exactly as it does on the answers page and in the report.
"""

from __future__ import annotations

from typing import Any

from app.instruments.answers import answer_text, is_declined
from app.instruments.models import PREFER_NOT, Definition, Item, Section

#: Mend's identifiers: names, not addresses (``mend.example`` is reserved and never resolves).
BASE = "https://mend.example/fhir"
DECLINED_SYSTEM = f"{BASE}/CodeSystem/declined"
YES_NO_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0136"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"

_TYPES = {
    "scale": "choice",
    "single_choice": "choice",
    "multiple_choice": "choice",
    "yes_no": "boolean",
    "short_text": "string",
    "long_text": "text",
    "date": "date",
    "number": "decimal",  # Mend's number items take 2.5 as well as 2 (answers.coerce_answer)
}
_VALUE_KEYS = {"boolean": "valueBoolean", "string": "valueString", "text": "valueString",
               "date": "valueDate", "decimal": "valueDecimal"}


def canonical(definition: Definition) -> str:
    """``Questionnaire.url``: one per questionnaire id, whatever its version."""
    return f"{BASE}/Questionnaire/{definition.id}"


def group_link(section: Section) -> str:
    """A section's linkId; item ids never hold a hyphen, so it can't clash with one."""
    return f"section-{section.id}"


def fhir_type(item: Item) -> str:
    """A yes/no item that offers "Prefer not to answer" is a choice of three codings."""
    if item.type == "yes_no" and item.prefer_not:
        return "choice"
    return _TYPES[item.type]


# --- the Questionnaire ---


def questionnaire_items(definition: Definition) -> list[dict[str, Any]]:
    """One ``group`` per section (its intro as a ``display`` item first), in form order."""
    return [_group(definition, section) for section in definition.sections]


def _group(definition: Definition, section: Section) -> dict[str, Any]:
    children = [{"linkId": f"{group_link(section)}-intro", "type": "display", "text": section.intro}]
    children = children if section.intro else []
    children += [_question(definition, item) for item in section.items]
    return {"linkId": group_link(section), "type": "group", "text": section.title, "item": children}


def _question(definition: Definition, item: Item) -> dict[str, Any]:
    question: dict[str, Any] = {"linkId": item.id, "text": item.text, "type": fhir_type(item),
                                "required": item.required}
    if item.type == "multiple_choice":
        question["repeats"] = True
    if item.type in ("short_text", "long_text") and item.max_length is not None:
        question["maxLength"] = item.max_length
    if question["type"] == "choice":
        question["answerOption"] = [{"valueCoding": coding(definition, item, value)}
                                    for value in _choices(definition, item)]
    bounds = [{"url": url, "valueDecimal": bound}
              for url, bound in ((MIN_VALUE, item.min), (MAX_VALUE, item.max)) if bound is not None]
    if item.type == "number" and bounds:
        question["extension"] = bounds
    return question


def _choices(definition: Definition, item: Item) -> list[Any]:
    """Every stored value the form offers, in the order shown, "Prefer not to answer" last."""
    if item.type == "scale":
        values: list[Any] = list(definition.scale_for(item).points)
    elif item.type == "yes_no":
        values = [True, False]
    else:
        values = item.option_values
    return [*values, PREFER_NOT] if item.prefer_not else values


def coding(definition: Definition, item: Item, value: Any) -> dict[str, Any]:
    """The coding of one stored choice: Mend's stored value as the code, the words the client saw."""
    if item.prefer_not and is_declined(value):
        return {"system": DECLINED_SYSTEM, "code": PREFER_NOT, "display": _words(definition, item, value)}
    if item.type == "yes_no":
        return {"system": YES_NO_SYSTEM, "code": "Y" if value else "N", "display": _words(definition, item, value)}
    found = {"system": option_system(definition, item), "code": str(value),
             "display": _words(definition, item, value)}
    if item.type == "scale" and isinstance(value, int):
        found["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": value}]
    return found


def option_system(definition: Definition, item: Item) -> str:
    """The code system of a scale's points (shared by its items) or of one item's options."""
    if item.type == "scale":
        return f"{BASE}/CodeSystem/{definition.id}/scale/{item.scale}"
    return f"{BASE}/CodeSystem/{definition.id}/item/{item.id}"


def _words(definition: Definition, item: Item, value: Any) -> str:
    return answer_text(definition, item, value, with_point=False) or str(value)


# --- the QuestionnaireResponse ---


def response_items(definition: Definition, stored: dict[str, Any]) -> list[dict[str, Any]]:
    """The answered items, in the Questionnaire's groups; unanswered items and empty groups are left out."""
    groups = []
    for section in definition.sections:
        children = [{"linkId": item.id, "text": item.text, "answer": answer}
                    for item in section.items if (answer := answers(definition, item, stored.get(item.id)))]
        if children:
            groups.append({"linkId": group_link(section), "text": section.title, "item": children})
    return groups


def answers(definition: Definition, item: Item, value: Any) -> list[dict[str, Any]]:
    """One answer per stored value (several for multiple choice); none for a blank one."""
    if value is None or value == "" or value == []:
        return []
    kind = fhir_type(item)
    if kind == "choice":  # every item that offers "Prefer not to answer" is one
        chosen = value if isinstance(value, list) else [value]
        return [{"valueCoding": coding(definition, item, one)} for one in chosen]
    return [{_VALUE_KEYS[kind]: value}]
