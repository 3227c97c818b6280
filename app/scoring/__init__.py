"""Pure scoring: subscale means, flags, indicators (safety, read apart from every mean), reliable
change, partner gaps, reliability, score history.

No database and no I/O here; callers pass a definition (``app.instruments``) and plain data.
"""

from app.scoring.administration import score_administration
from app.scoring.change import reliable_change, standard_error_of_difference
from app.scoring.flags import condition_met, evaluate_flags
from app.scoring.gap import partner_gap
from app.scoring.history import (
    VERSION_BREAK_NOTE,
    GapPoint,
    Headline,
    ScoreHistory,
    Submitted,
    SubscaleHistory,
    Trajectory,
    TrajectoryPoint,
    definition_reliabilities,
    definition_reliability,
    headline,
    reliability_at,
    retrace,
    score_history,
    trajectory,
)
from app.scoring.reliability import cronbach_alpha, subscale_alpha
from app.scoring.safety import IndicatorItem, IndicatorResult, indicator_result, score_indicators
from app.scoring.subscales import keyed_value, score_subscale, score_subscales
from app.scoring.types import (
    SOURCE_DEFINITION,
    SOURCE_PRACTICE,
    Change,
    Flag,
    Gap,
    Reliability,
    ScoreResult,
    SubscaleScore,
)

__all__ = [
    "SOURCE_DEFINITION",
    "SOURCE_PRACTICE",
    "VERSION_BREAK_NOTE",
    "Change",
    "Flag",
    "Gap",
    "GapPoint",
    "Headline",
    "IndicatorItem",
    "IndicatorResult",
    "Reliability",
    "ScoreHistory",
    "ScoreResult",
    "Submitted",
    "SubscaleHistory",
    "SubscaleScore",
    "Trajectory",
    "TrajectoryPoint",
    "condition_met",
    "cronbach_alpha",
    "definition_reliabilities",
    "definition_reliability",
    "evaluate_flags",
    "headline",
    "indicator_result",
    "keyed_value",
    "partner_gap",
    "reliability_at",
    "reliable_change",
    "retrace",
    "score_administration",
    "score_history",
    "score_indicators",
    "score_subscale",
    "score_subscales",
    "standard_error_of_difference",
    "subscale_alpha",
    "trajectory",
]
