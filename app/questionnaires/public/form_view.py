"""What the public form shows: pages, fields with their values and errors, progress.

Pure functions of a definition and answers, so the routes stay thin and tests can check
the view without HTML. Values are turned into their *form* representation (strings, or
lists for checkboxes) so a re-rendered page shows exactly what was chosen or typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.fields import parse_id
from app.instruments.models import PREFER_NOT, PREFER_NOT_LABEL, Definition, Item, Section
from app.questionnaires.administrations.state import REVIEW_STEP

GROUPED = frozenset({"scale", "single_choice", "multiple_choice", "yes_no"})  # fieldset + legend


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    input_id: str


@dataclass(frozen=True)
class Field:
    """One question on the page, ready for the template."""

    id: str
    text: str
    type: str
    required: bool
    grouped: bool
    value: str | list[str] | None
    error: str | None
    choices: list[Choice] = field(default_factory=list)
    max_length: int | None = None
    told_on_save: bool = False  # a safety answer: the counselor sees it when saved, and the client is told
    declinable: bool = False  # offers "Prefer not to answer" (the last choice, set apart)

    @property
    def notice(self) -> str | None:
        """Said at the item itself, so no one answers a safety question believing it waits for "Send"."""
        if not self.told_on_save:
            return None
        if self.type == "yes_no":
            return ("If you answer yes, your counselor is told straight away, even before you send, "
                    "so they can check on you safely.")
        return ("Your counselor sees this answer as soon as you save this page, even before you send, "
                "so they can check on you safely.")

    @property
    def first_input_id(self) -> str:
        """Where the error summary links to: the first control of the question."""
        return self.choices[0].input_id if self.choices else f"f-{self.id}"

    @property
    def answer_choices(self) -> list[Choice]:
        """The answers themselves, without "Prefer not to answer"."""
        return [choice for choice in self.choices if choice.value != PREFER_NOT]

    @property
    def decline_choice(self) -> Choice | None:
        """The "Prefer not to answer" choice, shown apart from the answer scale."""
        return next((choice for choice in self.choices if choice.value == PREFER_NOT), None)

    def is_chosen(self, choice: Choice) -> bool:
        if isinstance(self.value, list):
            return choice.value in self.value
        return self.value == choice.value


@dataclass(frozen=True)
class Step:
    """Where a page sits: ``number`` is 1-based; the review step comes after the last section."""

    number: int
    total: int
    section: Section | None  # None on the review step

    @property
    def is_review(self) -> bool:
        return self.section is None

    @property
    def key(self) -> str:
        """URL value of ``?page=``."""
        return "review" if self.is_review else str(self.number)


def steps(definition: Definition) -> list[Step]:
    total = len(definition.sections) + 1
    return [Step(i + 1, total, s) for i, s in enumerate(definition.sections)] + [Step(total, total, None)]


def step_for(definition: Definition, page: str | None, current_section: str | None) -> Step:
    """The step asked for by ``?page=``, else where the client left off (first page when new)."""
    all_steps = steps(definition)
    if page == "review":
        return all_steps[-1]
    number = parse_id(page)
    if number is not None and number < len(all_steps):
        return all_steps[number - 1]
    return resume_step(definition, current_section)


def resume_step(definition: Definition, current_section: str | None) -> Step:
    all_steps = steps(definition)
    if current_section == REVIEW_STEP:
        return all_steps[-1]
    for step in all_steps[:-1]:
        if step.section is not None and step.section.id == current_section:
            return step
    return all_steps[0]


def step_of_section(definition: Definition, section_id: str) -> Step | None:
    return next((s for s in steps(definition) if s.section is not None and s.section.id == section_id), None)


def as_form_value(item: Item, value: Any) -> str | list[str] | None:
    """A stored (or raw, when it failed) answer as the form controls carry it."""
    if value is None:
        return None
    if item.type == "multiple_choice":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return str(value[-1]) if value else None
    return str(value)


def _choices(definition: Definition, item: Item) -> list[Choice]:
    if item.type == "scale":
        scale = definition.scale_for(item)
        pairs = [(str(point), label) for point, label in zip(scale.points, scale.labels, strict=True)]
    elif item.type == "yes_no":
        pairs = [("yes", "Yes"), ("no", "No")]
    else:
        pairs = [(o.value, o.label) for o in item.options]
    if item.prefer_not:
        pairs.append((PREFER_NOT, PREFER_NOT_LABEL))
    return [Choice(value, label, f"f-{item.id}-{index}") for index, (value, label) in enumerate(pairs)]


def fields(
    definition: Definition, section: Section, values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[Field]:
    """Every question of a section with what to show in it."""
    return [
        Field(
            id=item.id, text=item.text, type=item.type, required=item.required,
            grouped=item.type in GROUPED, value=as_form_value(item, values.get(item.id)),
            error=errors.get(item.id), choices=_choices(definition, item) if item.type in GROUPED else [],
            max_length=item.max_length, told_on_save=definition.told_on_save(item.id),
            declinable=item.prefer_not and item.type in GROUPED,
        )
        for item in section.items
    ]
