"""Score histories of a couple or a client: stored scores read in one query, computed by the
pure ``app.scoring.history`` (trajectories, reliable change, the pairing rule for gaps).

The API, the couple page and the report all call ``score_histories``, so the three show the
same numbers. Which questionnaires appear comes from the definitions: every one with
subscales (``Catalog.scored``) that either person has submitted.

Which administrations count: submitted ones that belong with the couple or client
(``own_context``). The subscales and labels are the newest answered version's. Each point carries
its version and its subscale's items there, so a change is measured only between the same items;
each change is judged with the reliability in force for its later point's version when it was
submitted (``reliability_timelines``: the definition's values, then the practice's snapshots).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from app.clients.subjects import Subject
from app.errors import InvalidField
from app.instruments.catalog import Catalog, default_catalog
from app.instruments.models import Definition
from app.questionnaires.administrations.service import own_context
from app.questionnaires.models import Administration, Score
from app.questionnaires.schemas import (
    ChangePublic,
    CoupleScoreHistory,
    GapPublic,
    HeadlinePublic,
    PartnerSeries,
    ScorePoint,
    SubscaleHistoryPublic,
)
from app.questionnaires.scores.reliability import reliability_timelines
from app.scoring import Change, Reliability, ScoreHistory, Submitted, Trajectory, score_history


def _instruments(catalog: Catalog, instrument_id: str | None) -> list[str]:
    if instrument_id is None:
        return [d.id for d in catalog.scored()]
    if not catalog.versions(instrument_id):
        raise InvalidField("instrument_id", f"No questionnaire '{instrument_id}'")
    if not catalog.latest(instrument_id).is_scored:
        raise InvalidField("instrument_id", f"'{instrument_id}' has no subscales, so it has no scores")
    return [instrument_id]


def _submitted(
    session: Session, subject: Subject, instrument_ids: list[str], before: datetime | None, catalog: Catalog
) -> dict[str, list[tuple[int, Submitted]]]:
    """Per instrument, ``(version, Submitted)`` oldest first, in one query for any number."""
    conditions = [own_context(subject), col(Administration.instrument_id).in_(instrument_ids),
                  Administration.status == "submitted"]
    if before is not None:
        conditions.append(col(Administration.submitted_at) < before)
    rows = session.exec(
        select(Administration, Score)
        .join(Score, col(Score.administration_id) == Administration.id, isouter=True)
        .where(*conditions)
        .order_by(col(Administration.submitted_at), col(Administration.id))
    ).all()
    administrations: dict[int, Administration] = {}
    means: dict[int, dict[str, float | None]] = defaultdict(dict)
    bands: dict[int, dict[str, str | None]] = defaultdict(dict)
    for administration, score in rows:
        assert administration.id is not None
        administrations[administration.id] = administration
        if score is not None:
            means[administration.id][score.subscale] = score.mean if score.scored else None
            bands[administration.id][score.subscale] = score.band
    out: dict[str, list[tuple[int, Submitted]]] = defaultdict(list)
    items: dict[tuple[str, int], dict[str, tuple[str, ...]]] = {}
    for admin_id, a in administrations.items():
        if a.submitted_at is None:
            continue
        key = (a.instrument_id, a.instrument_version)
        if key not in items:
            found = catalog.find(*key)
            items[key] = {sid: tuple(s.items) for sid, s in found.subscales.items()} if found else {}
        out[a.instrument_id].append((a.instrument_version, Submitted(
            admin_id, a.client_id, a.submitted_at, means[admin_id], bands[admin_id],
            version=a.instrument_version, items=items[key])))
    return out


def _describing(catalog: Catalog, instrument_id: str, versions: list[int]) -> Definition:
    """The newest answered version that this catalog knows, else the latest one."""
    for version in sorted(versions, reverse=True):
        found = catalog.find(instrument_id, version)
        if found is not None:
            return found
    return catalog.latest(instrument_id)


def score_histories(
    session: Session, *, subject: Subject, instrument_id: str | None = None, before: datetime | None = None
) -> list[ScoreHistory]:
    """Each scored questionnaire someone here submitted (or the one asked for), in catalog order.

    ``before`` leaves out later submissions (a report's period end).
    """
    catalog = default_catalog()
    wanted = _instruments(catalog, instrument_id)
    found = _submitted(session, subject, wanted, before, catalog)
    out = []
    for iid in wanted:
        taken = found.get(iid, [])
        if not taken and instrument_id is None:
            continue
        versions = [version for version, _ in taken]
        definition = _describing(catalog, iid, versions)
        timelines = reliability_timelines(session, practice_id=subject.practice_id, describing=definition,
                                          versions=versions, catalog=catalog)
        out.append(score_history(definition, timelines, subject.client_ids, [s for _, s in taken]))
    return out


# --- the API's view of a history -----------------------------------------------------------------


SAFETY_ALERT = "see safety alert"


def held_back(history: ScoreHistory, alerted: Collection[int]) -> dict[int, frozenset[str]]:
    """Per person with an open high-severity flag (``alerted``), the subscales of this history
    that must never read as reassuring (``Definition.guarded_subscales``)."""
    definition = default_catalog().find(history.instrument_id, history.version)
    guarded = frozenset(definition.guarded_subscales()) if definition is not None else frozenset()
    return {cid: guarded for cid in history.client_ids if cid in alerted and guarded}


def couple_history_public(
    history: ScoreHistory, subject: Subject, alerted: Collection[int] = ()
) -> CoupleScoreHistory:
    """A couple's history in the API's shape (partner A and B named, changes with their sources);
    a guarded subscale of a partner in ``alerted`` reads "see safety alert" instead of its band."""
    a, b = subject.people
    held = held_back(history, alerted)
    heads = history.headline(held)
    return CoupleScoreHistory(
        couple_id=subject.id, instrument_id=history.instrument_id, instrument_version=history.version,
        title=history.title, gap_threshold=history.gap_threshold,
        pairing_window_days=history.pairing_window_days,
        headline=[HeadlinePublic(client_id=cid, role=role, reliable_improvement=heads[cid].improvement,  # type: ignore[arg-type]
                                 reliable_deterioration=heads[cid].deterioration,
                                 no_reliable_change=heads[cid].no_change, too_early=heads[cid].too_early,
                                 safety_alert=sorted(held.get(cid, ())))
                  for cid, role in zip(history.client_ids, ("a", "b"), strict=False)],
        subscales=[
            SubscaleHistoryPublic(
                subscale=s.id, label=s.label, higher_is_better=s.higher_is_better, reference_sd=s.reference_sd,
                **_reliability_fields(s.reliability), scale_min=s.scale_min, scale_max=s.scale_max,
                partner_a=_series(s.trajectories[0], a.preferred_name or a.first_name, "a",
                                  s.id in held.get(s.trajectories[0].client_id, ())),
                partner_b=_series(s.trajectories[1], b.preferred_name or b.first_name, "b",
                                  s.id in held.get(s.trajectories[1].client_id, ())),
                gaps=[GapPublic(at=g.at, a_administration_id=g.a_administration_id, a_submitted_at=g.a_at,
                                b_administration_id=g.b_administration_id, b_submitted_at=g.b_at,
                                a_mean=g.gap.a, b_mean=g.gap.b, difference=g.gap.difference,
                                size=g.gap.size, large=g.gap.large) for g in s.gaps],
            )
            for s in history.subscales
        ],
    )


def _reliability_fields(r: Reliability) -> dict[str, object]:
    return {"reliability": r.value, "reliability_source": r.source, "n_administrations": r.n_administrations,
            "n_clients": r.n_clients, "alpha_low": r.alpha_low, "alpha_high": r.alpha_high, "reliability_sd": r.sd,
            "provisional": r.provisional and r.source != "practice", "basis": r.basis}


def _series(trajectory: Trajectory, first_name: str, role: str, held: bool = False) -> PartnerSeries:
    return PartnerSeries(
        client_id=trajectory.client_id, first_name=first_name, role=role,  # type: ignore[arg-type]
        points=[
            ScorePoint(administration_id=p.administration_id, submitted_at=p.at, instrument_version=p.version,
                       mean=p.mean, band=SAFETY_ALERT if held and p.band else p.band, scored=p.mean is not None,
                       version_break=p.version_break,
                       note=p.note, from_baseline=_change(p.from_baseline, p.baseline_id),
                       from_previous=_change(p.from_previous, p.previous_id))
            for p in trajectory.points
        ],
    )


def _change(change: Change | None, from_id: int | None) -> ChangePublic | None:
    if change is None or from_id is None:
        return None
    return ChangePublic(
        from_administration_id=from_id, delta=change.delta, rci=change.rci, se_diff=change.se_diff,
        reliable=change.reliable, direction=change.direction, label=change.label,
        reliability=change.reliability, reliability_source=change.reliability_source, sd=change.sd,
        basis=change.basis,
    )
