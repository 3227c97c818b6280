"""Per-subscale score trajectories, reliable change and partner gaps (pure).

For each subscale and partner: baseline = first scored administration in the
data, previous = the scored one before the latest, latest = last scored one.
Changes use the scoring engine's Reliable Change Index; nothing is rounded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.reports.inputs import AssessmentInput, PartnerInput, SubscaleInfo
from app.scoring import Change, Gap, partner_gap, trajectory

NO_ASSESSMENTS = "No assessments yet"
NOT_SCORED = "Not scored — too many items unanswered"
LATEST_NOT_SCORED = "Latest assessment not scored — too many items unanswered"
ONE_SCORE = "One assessment so far — no change yet"


@dataclass(frozen=True)
class TrajectoryPoint:
    """One scored administration, with the change from the scored one before it."""

    on: date
    value: float
    from_previous: Change | None
    from_baseline: Change | None


@dataclass(frozen=True)
class PartnerScore:
    """One partner's story on one subscale."""

    partner_label: str
    partner_name: str
    administrations: int  # administrations that included this subscale
    points: tuple[TrajectoryPoint, ...]  # scored only, oldest first
    baseline: TrajectoryPoint | None
    previous: TrajectoryPoint | None
    latest: TrajectoryPoint | None
    from_baseline: Change | None
    from_previous: Change | None
    latest_unscored_on: date | None  # the newest administration left it unscored
    note: str | None  # plain words when there is nothing (or nothing new) to show

    @property
    def latest_value(self) -> float | None:
        """Latest scored mean, or None."""
        return self.latest.value if self.latest else None


@dataclass(frozen=True)
class SubscaleSection:
    """A subscale with every partner's trajectory and the gap between partners."""

    info: SubscaleInfo
    partners: tuple[PartnerScore, ...]
    gap_now: Gap | None  # None unless there are exactly two partners
    gap_baseline: Gap | None


def _trajectory(info: SubscaleInfo, mine: Sequence[AssessmentInput]) -> tuple[TrajectoryPoint, ...]:
    """Scored points only, each with the engine's change from the scored one before."""
    series = trajectory(
        [(a.submitted_at, a.means[info.id]) for a in mine],
        sd=info.reference_sd,
        reliability=info.reliability,
        higher_is_better=info.higher_is_better,
        reliability_source=info.reliability_source,
    )
    return tuple(
        TrajectoryPoint(
            on=p.when.date(),
            value=p.mean,
            from_previous=p.from_previous,
            from_baseline=p.from_baseline,
        )
        for p in series
        if p.mean is not None
    )


def _note(
    administrations: int, points: Sequence[TrajectoryPoint], latest_unscored: bool
) -> str | None:
    if administrations == 0:
        return NO_ASSESSMENTS
    if not points:
        return NOT_SCORED
    if latest_unscored:
        return LATEST_NOT_SCORED
    if len(points) == 1:
        return ONE_SCORE
    return None


def partner_score(
    info: SubscaleInfo, partner: PartnerInput, assessments: Sequence[AssessmentInput]
) -> PartnerScore:
    """Build one partner's trajectory on one subscale from their administrations."""
    mine = sorted(
        (a for a in assessments if a.partner_label == partner.label and info.id in a.means),
        key=lambda a: a.submitted_at,
    )
    points = _trajectory(info, mine)
    latest_unscored = bool(mine) and mine[-1].means[info.id] is None
    baseline = points[0] if points else None
    latest = points[-1] if points else None
    previous = points[-2] if len(points) > 1 else None
    return PartnerScore(
        partner_label=partner.label,
        partner_name=partner.name,
        administrations=len(mine),
        points=points,
        baseline=baseline,
        previous=previous,
        latest=latest,
        from_baseline=latest.from_baseline if latest else None,
        from_previous=latest.from_previous if latest else None,
        latest_unscored_on=mine[-1].submitted_at.date() if latest_unscored else None,
        note=_note(len(mine), points, latest_unscored),
    )


def _gap(info: SubscaleInfo, a: TrajectoryPoint | None, b: TrajectoryPoint | None) -> Gap | None:
    if a is None and b is None:
        return None
    return partner_gap(a.value if a else None, b.value if b else None, threshold=info.gap_threshold)


def build_subscales(
    subscales: Sequence[SubscaleInfo],
    partners: Sequence[PartnerInput],
    assessments: Sequence[AssessmentInput],
) -> tuple[SubscaleSection, ...]:
    """One section per subscale, in the order the definitions list them."""
    sections = []
    for info in subscales:
        rows = tuple(partner_score(info, p, assessments) for p in partners)
        two = len(rows) == 2
        sections.append(
            SubscaleSection(
                info=info,
                partners=rows,
                gap_now=_gap(info, rows[0].latest, rows[1].latest) if two else None,
                gap_baseline=_gap(info, rows[0].baseline, rows[1].baseline) if two else None,
            )
        )
    return tuple(sections)
