"""A couple's score history on one instrument: per-partner trajectories and partner gaps.

Plain data (``CoupleScoreHistory``) so the API, the web UI and reports share one computation.

Which administrations count: submitted ones of either partner for this instrument (any
version), given in this couple's context or to the client alone (``couple_id`` NULL).
Subscale labels, SD and direction come from the latest version; reliability from
``practice_reliability`` (the practice's own alpha after enough submissions).

Pairing rule for gaps ("rounds"): every pair of one A and one B administration submitted
within ``PAIRING_WINDOW_DAYS`` of each other is a candidate; candidates are taken closest
in time first, each administration used at most once. A round's time is the later of the
two submissions. Administrations without a partner in the window have no gap point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from app.auth.models import Counselor
from app.clients.models import Client
from app.clients.service import get_couple, partners
from app.errors import InvalidField
from app.questionnaires.catalog import default_catalog
from app.questionnaires.definitions import Subscale
from app.questionnaires.models import Administration, Score
from app.questionnaires.reliability import SubscaleReliability, practice_reliability
from app.questionnaires.schemas import (
    ChangePublic,
    CoupleScoreHistory,
    GapPoint,
    PartnerSeries,
    ScorePoint,
    SubscaleHistory,
)
from app.scoring import Change, partner_gap, trajectory

PAIRING_WINDOW_DAYS = 21
DEFAULT_GAP_THRESHOLD = 1.0


@dataclass(frozen=True)
class _Taken:
    """One submitted administration with its stored scores by subscale."""

    id: int
    at: datetime
    scores: dict[str, Score]


def couple_score_history(
    session: Session, *, actor: Counselor, couple_id: int, instrument_id: str
) -> CoupleScoreHistory:
    """Both partners' series per subscale, with reliable change and partner gaps."""
    couple = get_couple(session, actor=actor, couple_id=couple_id)
    catalog = default_catalog()
    if not catalog.versions(instrument_id):
        raise InvalidField("instrument_id", f"No questionnaire '{instrument_id}'")
    definition = catalog.latest(instrument_id)
    partner_a, partner_b = partners(session, couple)
    taken_a = _submitted(session, client_id=partner_a.id, couple_id=couple_id, instrument_id=instrument_id)
    taken_b = _submitted(session, client_id=partner_b.id, couple_id=couple_id, instrument_id=instrument_id)
    rounds = pair_rounds(taken_a, taken_b, window=timedelta(days=PAIRING_WINDOW_DAYS))
    reliabilities = practice_reliability(session, practice_id=couple.practice_id, definition=definition)
    threshold = definition.gap_threshold or DEFAULT_GAP_THRESHOLD
    subscales = [
        SubscaleHistory(
            subscale=sid, label=sub.label, higher_is_better=sub.higher_is_better,
            reference_sd=sub.reference_sd, reliability=reliabilities[sid].reliability,
            reliability_source=reliabilities[sid].source,
            n_administrations=reliabilities[sid].n_administrations,
            partner_a=_series(partner_a, "a", taken_a, sid, sub, reliabilities[sid]),
            partner_b=_series(partner_b, "b", taken_b, sid, sub, reliabilities[sid]),
            gaps=[_gap(a, b, sid, threshold) for a, b in rounds],
        )
        for sid, sub in definition.subscales.items()
    ]
    return CoupleScoreHistory(
        couple_id=couple_id, instrument_id=instrument_id, instrument_version=definition.version,
        title=definition.title, gap_threshold=threshold, pairing_window_days=PAIRING_WINDOW_DAYS,
        subscales=subscales,
    )


def _submitted(session: Session, *, client_id: int | None, couple_id: int, instrument_id: str) -> list[_Taken]:
    administrations = session.exec(
        select(Administration)
        .where(
            Administration.client_id == client_id,
            Administration.instrument_id == instrument_id,
            Administration.status == "submitted",
            or_(col(Administration.couple_id) == couple_id, col(Administration.couple_id).is_(None)),
        )
        .order_by(col(Administration.submitted_at), col(Administration.id))
    ).all()
    ids = [a.id for a in administrations]
    by_admin: dict[int, dict[str, Score]] = {i: {} for i in ids if i is not None}
    for score in session.exec(select(Score).where(col(Score.administration_id).in_(ids))):
        by_admin[score.administration_id][score.subscale] = score
    return [_Taken(a.id, a.submitted_at, by_admin[a.id]) for a in administrations  # type: ignore[arg-type]
            if a.id is not None and a.submitted_at is not None]


def pair_rounds(a: Sequence[_Taken], b: Sequence[_Taken], *, window: timedelta) -> list[tuple[_Taken, _Taken]]:
    """One-to-one pairs within ``window``, closest in time first; returned oldest round first."""
    candidates = sorted(
        (abs(x.at - y.at), i, j)
        for i, x in enumerate(a) for j, y in enumerate(b) if abs(x.at - y.at) <= window
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((a[i], b[j]))
    return sorted(pairs, key=lambda pair: max(pair[0].at, pair[1].at))


def _mean(taken: _Taken, subscale: str) -> float | None:
    score = taken.scores.get(subscale)
    return score.mean if score is not None and score.scored else None


def _series(
    client: Client, role: str, taken: Sequence[_Taken], sid: str, sub: Subscale, reliability: SubscaleReliability
) -> PartnerSeries:
    points = trajectory(
        [(t, _mean(t, sid)) for t in taken], sd=sub.reference_sd, reliability=reliability.reliability,
        higher_is_better=sub.higher_is_better, reliability_source=reliability.source,
    )
    result: list[ScorePoint] = []
    baseline_id: int | None = None
    previous_id: int | None = None
    for point in points:
        t: _Taken = point.when
        score = t.scores.get(sid)
        result.append(ScorePoint(
            administration_id=t.id, submitted_at=t.at, mean=point.mean,
            band=score.band if score is not None else None, scored=point.mean is not None,
            from_baseline=_change(point.from_baseline, baseline_id),
            from_previous=_change(point.from_previous, previous_id),
        ))
        if point.mean is not None:  # same baseline/previous rule as scoring.trajectory
            baseline_id = baseline_id or t.id
            previous_id = t.id
    return PartnerSeries(client_id=client.id, first_name=client.preferred_name or client.first_name,  # type: ignore[arg-type]
                         role=role, points=result)  # type: ignore[arg-type]


def _change(change: Change | None, from_id: int | None) -> ChangePublic | None:
    if change is None or from_id is None:
        return None
    return ChangePublic(
        from_administration_id=from_id, delta=change.delta, rci=change.rci, se_diff=change.se_diff,
        reliable=change.reliable, direction=change.direction, label=change.label,
        reliability=change.reliability, reliability_source=change.reliability_source,
    )


def _gap(a: _Taken, b: _Taken, sid: str, threshold: float) -> GapPoint:
    gap = partner_gap(_mean(a, sid), _mean(b, sid), threshold=threshold)
    return GapPoint(at=max(a.at, b.at), a_administration_id=a.id, b_administration_id=b.id,
                    a_mean=gap.a, b_mean=gap.b, difference=gap.difference, size=gap.size, large=gap.large)

