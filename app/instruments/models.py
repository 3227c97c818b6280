"""Questionnaire definitions: the typed models of the versioned YAML files in ``assessments/``.

A definition is data a clinician can review. This module holds the models only;
``checks.parse_definition`` validates raw data into one and cross-checks it (every problem
names the item or subscale and what is wrong), and ``catalog`` loads the files and guards
released versions with ``versions.lock``, so an old administration is always read against
the exact text the client answered.

Defaults chosen here: scale items are required unless they say ``required: false``;
every other item type is optional unless it says ``required: true``.

"Prefer not to answer": an item with ``prefer_not: true`` offers that choice, stored as the
distinct value ``PREFER_NOT``. It answers a required item, but scoring treats it as missing
(the missing-item rule of ``app.scoring.subscales``), and it never meets a numeric flag
condition. A flag or indicator may name it (``equals: prefer_not``) where a declined safety
question is itself worth a word with the client.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

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
#: The stored value of "Prefer not to answer" (a string, so it never equals a scale point or a yes/no).
PREFER_NOT = "prefer_not"
PREFER_NOT_LABEL = "Prefer not to answer"
#: Item types where declining makes sense: one choice among listed answers.
PREFER_NOT_TYPES = frozenset({"scale", "single_choice", "yes_no"})


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
    #: Offer "Prefer not to answer" (sensitive items; see the module docstring).
    prefer_not: bool = False

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
    #: Never shown as reassuring while the client has an open high-severity flag
    #: (see ``Definition.guarded_subscales``).
    guarded: bool = False
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
    # Raised as soon as the answer is saved, not only on submit, and the client is told so at
    # the item. Unset: every high-severity rule (a safety concern can't wait for "Send").
    immediate: bool | None = None
    # The client sees the practice's support information straight after this answer (self-harm).
    support: bool = False

    @property
    def raised_on_save(self) -> bool:
        return self.immediate if self.immediate is not None else self.severity == "high"

    @property
    def condition(self) -> tuple[str, Any]:
        """The single ``(kind, value)`` pair of ``when`` (checked at load)."""
        ((kind, value),) = self.when.items()
        return kind, value


class Indicator(_Strict):
    """Items read on their own, never averaged: e.g. the safety indicator.

    A fear or safety answer must not be diluted by a subscale mean, so these items belong to
    no subscale (the checks refuse it) and are judged one by one against ``concern_when``
    (one condition, written like a flag's ``when``, on the answer as given). What the result
    means is in ``app.scoring.safety``.
    """

    label: str = Field(min_length=1, max_length=80)
    items: list[str] = Field(min_length=1)
    concern_when: dict[str, Any]
    #: Shown beside the indicator when any item meets ``concern_when``.
    concern_label: str = Field(default="Safety concern reported", min_length=1, max_length=120)

    @property
    def condition(self) -> tuple[str, Any]:
        """The single ``(kind, value)`` pair of ``concern_when`` (checked at load)."""
        ((kind, value),) = self.concern_when.items()
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
    #: A partner gap of at least this many points is "large" (the one threshold; see scoring.history).
    gap_threshold: float = Field(default=1.0, gt=0)
    #: Two partners' administrations at most this many days apart are compared as one round.
    pairing_window_days: int = Field(default=21, ge=1, le=365)
    flags: list[FlagRule] = []
    #: Items read apart from every subscale, by indicator id (``safety``).
    indicators: dict[str, Indicator] = {}

    _checksum: str = PrivateAttr(default="")
    _by_id: dict[str, Item] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _index(self) -> Definition:
        """Index items by id and resolve each scale item's answer scale.

        Tolerant on purpose: an unknown scale stays unresolved here, and
        ``checks.parse_definition`` reports it with the file and item named.
        """
        self._by_id = {item.id: item for item in self.items}
        for item in self._by_id.values():
            if item.scale is not None:
                item._response_scale = self.scales.get(item.scale)
        return self

    @property
    def items(self) -> list[Item]:
        """Every item in form order."""
        return [item for section in self.sections for item in section.items]

    def told_on_save(self, item_id: str) -> bool:
        """Whether an answer to this item can reach the counselor before the client sends."""
        return any(rule.item == item_id and rule.raised_on_save for rule in self.flags)

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

    def guarded_subscales(self) -> list[str]:
        """Subscales whose band must not read as reassuring while the client has an open
        high-severity flag (callers show "see safety alert" instead).

        A subscale is guarded when one of its items has a high-severity flag rule or when the
        file marks it ``guarded: true``. In definition order.
        """
        high = {rule.item for rule in self.flags if rule.severity == "high"}
        return [
            sid
            for sid, subscale in self.subscales.items()
            if subscale.guarded or any(item_id in high for item_id in subscale.items)
        ]

    @property
    def is_scored(self) -> bool:
        """Has subscales: its administrations get scores, trends and partner gaps."""
        return bool(self.subscales)
