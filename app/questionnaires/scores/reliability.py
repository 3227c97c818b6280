"""Own-data reliability: a practice's Cronbach's alpha once it has enough submissions.

A definition carries a published reliability per subscale. Once a practice has
``reliability_min_administrations`` submitted administrations of the same
instrument *and version* (so the subscale's items are the same), the alpha of
its own clients' keyed answers is used instead, when it is a usable number in
(0, 1). Computing alpha reads every submitted answer of the practice, so each process
keeps the result under a fingerprint of the submissions (count, newest id, newest time)
that one cheap query re-reads on every call: a new submission means a new key.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlmodel import Session, func, select

from app.config import get_settings
from app.instruments.models import Definition
from app.questionnaires.models import Administration, Response
from app.scoring import Reliability, subscale_alpha
from app.scoring.history import SOURCE_DEFINITION

SOURCE_PRACTICE = "practice"


def _submitted_answer_sets(
    session: Session, *, practice_id: int, definition: Definition
) -> list[dict[str, Any]]:
    """One answers dict per submitted administration (scale items of subscales only)."""
    item_ids = sorted({i for sub in definition.subscales.values() for i in sub.items})
    statement = (
        select(Response.administration_id, Response.item_id, Response.value)
        .join(Administration, Administration.id == Response.administration_id)
        .where(
            Administration.practice_id == practice_id,
            Administration.instrument_id == definition.id,
            Administration.instrument_version == definition.version,
            Administration.status == "submitted",
            Response.item_id.in_(item_ids),  # type: ignore[attr-defined]
        )
    )
    by_admin: dict[int, dict[str, Any]] = defaultdict(dict)
    for administration_id, item_id, value in session.exec(statement):
        # Stored answers are already coerced; guard against anything not an int anyway
        # so one odd row cannot break every counselor's score page.
        if isinstance(value, int) and not isinstance(value, bool):
            by_admin[administration_id][item_id] = value
    return list(by_admin.values())


def _usable(alpha: float | None) -> bool:
    return alpha is not None and not math.isnan(alpha) and 0 < alpha < 1


CACHE_SIZE = 256
_cache: dict[tuple[Any, ...], dict[str, Reliability]] = {}


def practice_reliability(
    session: Session, *, practice_id: int, definition: Definition
) -> dict[str, Reliability]:
    """Reliability per subscale: the practice's own alpha when it has enough data, else the definition's."""
    fingerprint = session.exec(
        select(func.count(), func.max(Administration.id), func.max(Administration.submitted_at)).where(
            Administration.practice_id == practice_id,
            Administration.instrument_id == definition.id,
            Administration.instrument_version == definition.version,
            Administration.status == "submitted",
        )
    ).one()
    key = (practice_id, definition.id, definition.version, definition.checksum,
           get_settings().reliability_min_administrations, *fingerprint)
    found = _cache.get(key)
    if found is None:
        found = _compute(session, practice_id=practice_id, definition=definition, count=fingerprint[0])
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))  # oldest entry first
        _cache[key] = found
    return found


def _compute(
    session: Session, *, practice_id: int, definition: Definition, count: int
) -> dict[str, Reliability]:
    enough = count >= get_settings().reliability_min_administrations
    answer_sets = (
        _submitted_answer_sets(session, practice_id=practice_id, definition=definition)
        if enough
        else []
    )
    result: dict[str, Reliability] = {}
    for subscale_id, subscale in definition.subscales.items():
        alpha = subscale_alpha(definition, subscale_id, answer_sets) if enough else None
        if _usable(alpha):
            assert alpha is not None
            result[subscale_id] = Reliability(alpha, SOURCE_PRACTICE, count)
        else:
            result[subscale_id] = Reliability(subscale.reliability, SOURCE_DEFINITION, count)
    return result
