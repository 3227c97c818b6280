"""Scoring a whole administration: subscales plus flags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.instruments.models import Definition
from app.scoring.flags import evaluate_flags
from app.scoring.subscales import score_subscales
from app.scoring.types import ScoreResult


def score_administration(definition: Definition, answers: Mapping[str, Any]) -> ScoreResult:
    """All subscale scores (none for an intake) and all raised flags for one administration."""
    return ScoreResult(
        subscales=score_subscales(definition, answers),
        flags=evaluate_flags(definition, answers),
    )
