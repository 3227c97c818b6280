"""Result types of the scoring engine: frozen, plain data, safe to store or render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
    basis: str = ""  # what it rests on, in words: ``Reliability.basis`` of the reliability used
    sd: float | None = None  # the SD used for SEdiff (the snapshot's own, or the definition's)


@dataclass(frozen=True)
class Gap:
    """Difference between two partners' scores at the same time point."""

    a: float | None
    b: float | None
    difference: float | None  # a - b
    size: float | None  # |a - b|
    large: bool


SOURCE_DEFINITION = "definition"
SOURCE_PRACTICE = "practice"
ALPHA, EN_DASH = "\N{GREEK SMALL LETTER ALPHA}", "\N{EN DASH}"


@dataclass(frozen=True)
class Reliability:
    """The reliability (and SD) a reliable change is judged with, and what it rests on.

    ``source`` "practice": this practice's own snapshot (alpha over ``n_clients`` distinct
    clients, one answer set each, with its 95% CI and the SD of their subscale means);
    "definition": the questionnaire definition's reference values, ``provisional`` when the
    definition says they are placeholders. ``version`` and ``taken_at`` say when it came into
    force for which questionnaire version (None: the definition's, in force from the start).
    """

    value: float
    source: str  # "definition" (published value) | "practice" (this practice's own alpha)
    n_administrations: int = 0  # submitted administrations of that version when it was taken
    n_clients: int = 0  # distinct clients behind the practice's alpha (0 for the definition's)
    alpha_low: float | None = None  # 95% CI of the practice's alpha (Feldt)
    alpha_high: float | None = None
    sd: float | None = None  # SD for reliable change; None: the definition's reference SD
    provisional: bool = False  # the definition's values are placeholders
    version: int | None = None  # questionnaire version it belongs to (None: any)
    taken_at: datetime | None = None  # in force from then (None: from the start)

    @property
    def basis(self) -> str:
        """One line saying what a change figure rests on, shown beside every one."""
        if self.source == SOURCE_PRACTICE:
            interval = (f" ({_two(self.alpha_low)}{EN_DASH}{_two(self.alpha_high)})"
                        if self.alpha_low is not None and self.alpha_high is not None else "")
            return f"practice data, n = {self.n_clients} clients, {ALPHA} = {_two(self.value)}{interval}"
        if self.provisional:
            return "provisional reference values"
        return "reference values from the questionnaire definition"


def _two(value: float | None) -> str:
    return f"{value:.2f}"
