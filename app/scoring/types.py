"""Result types of the scoring engine: frozen, plain data, safe to store or render."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubscaleScore:
    """One subscale of one administration. ``mean`` is None (never 0) when unscored."""

    subscale: str
    mean: float | None  # mean of keyed answered items, unrounded
    raw: float | None  # sum of keyed answered items
    answered: int
    total: int
    prorated: bool  # scored although some items were unanswered
    scored: bool
    band: str | None


@dataclass(frozen=True)
class Flag:
    """An answer the counselor should see first; the message is for counselors only."""

    item_id: str
    severity: str  # "high" | "medium" | "low"
    message: str


@dataclass(frozen=True)
class ScoreResult:
    """Everything scoring derives from one administration."""

    subscales: dict[str, SubscaleScore]
    flags: list[Flag]


@dataclass(frozen=True)
class Change:
    """Change between two scores, judged with the Reliable Change Index."""

    before: float
    after: float
    delta: float  # after - before
    se_diff: float
    rci: float
    reliable: bool
    direction: str  # "improvement" | "deterioration" | "none"
    label: str  # "reliable improvement" | "no reliable change" | "reliable deterioration"
    reliability: float
    reliability_source: str  # "definition" | "practice"


@dataclass(frozen=True)
class Gap:
    """Difference between two partners' scores at the same time point."""

    a: float | None
    b: float | None
    difference: float | None  # a - b
    size: float | None  # |a - b|
    large: bool


@dataclass(frozen=True)
class Reliability:
    """The reliability used for one subscale's reliable change, and what it rests on."""

    value: float
    source: str  # "definition" (published value) | "practice" (this practice's own alpha)
    n_administrations: int  # submitted administrations of that version in the practice
