"""Score history (pure): each person's trajectory per subscale, and the gaps between partners.

One computation, from plain data, for the API, the couple page and the report, so the three
never disagree. Inputs: the definition that describes the subscales (labels, SD, direction,
gap threshold, pairing window), the reliability used for each subscale, and the submitted
administrations with the means stored when they were scored (never rescored here).

Trajectory: every administration that includes the subscale, oldest first. Change is measured
from the first scored point (the baseline) and from the last scored point before (the previous),
with the Reliable Change Index; an unscored point stays in place, without change, and is skipped
when looking for a baseline or a previous score. Each point names the administrations it was
compared with.

Gaps (the pairing rule): only between two partners. Every pair of one A and one B
administration submitted at most ``pairing_window_days`` apart is a candidate; pairs are taken
closest in time first, each administration used at most once, and never crossing an earlier
pair (A's later answers are never paired with B's earlier ones when A's earlier answers are
paired with B's later ones), kept oldest first. A pair is of administrations, not of subscales:
a subscale has a gap in a pair only when both partners' administrations scored it, and the gap
names both dates. No pair, no gap: two scores months apart are never compared as if taken
together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.instruments.models import Definition, Subscale
from app.scoring.change import reliable_change
from app.scoring.gap import partner_gap
from app.scoring.types import Change, Gap, Reliability

SOURCE_DEFINITION = "definition"


@dataclass(frozen=True)
class Submitted:
    """One submitted administration as its scores were stored."""

    administration_id: int
    client_id: int
    at: datetime
    means: Mapping[str, float | None]  # subscale -> mean; None: not scored; absent: not in that version
    bands: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class TrajectoryPoint:
    """One administration in a person's series on one subscale."""

    administration_id: int
    at: datetime
    mean: float | None  # None: too many items unanswered to score
    band: str | None
    from_baseline: Change | None
    from_previous: Change | None
    baseline_id: int | None  # the administrations those changes were measured from
    previous_id: int | None


@dataclass(frozen=True)
class Trajectory:
    """One person's points on one subscale, oldest first."""

    client_id: int
    points: tuple[TrajectoryPoint, ...]

    @property
    def scored(self) -> tuple[TrajectoryPoint, ...]:
        return tuple(p for p in self.points if p.mean is not None)

    @property
    def baseline(self) -> TrajectoryPoint | None:
        scored = self.scored
        return scored[0] if scored else None

    @property
    def previous(self) -> TrajectoryPoint | None:
        scored = self.scored
        return scored[-2] if len(scored) > 1 else None

    @property
    def latest(self) -> TrajectoryPoint | None:
        scored = self.scored
        return scored[-1] if scored else None

    @property
    def latest_unscored(self) -> TrajectoryPoint | None:
        """The newest administration, when it left this subscale unscored."""
        return self.points[-1] if self.points and self.points[-1].mean is None else None


@dataclass(frozen=True)
class GapPoint:
    """The gap between two partners' administrations paired by the rule above."""

    a_administration_id: int
    a_at: datetime
    b_administration_id: int
    b_at: datetime
    gap: Gap  # a - b, its size and whether it is large

    @property
    def at(self) -> datetime:
        """When the pair was complete: the later of the two submissions."""
        return max(self.a_at, self.b_at)

    @property
    def size(self) -> float:
        """``|a - b|`` (always measurable: only measurable gaps are kept)."""
        assert self.gap.size is not None
        return self.gap.size

    @property
    def difference(self) -> float:
        """``a - b``: positive when partner A scores higher."""
        assert self.gap.difference is not None
        return self.gap.difference

    @property
    def large(self) -> bool:
        return self.gap.large


@dataclass(frozen=True)
class SubscaleHistory:
    """A subscale with every person's trajectory and, for a couple, the gaps between them."""

    id: str
    label: str
    higher_is_better: bool
    reference_sd: float
    reliability: Reliability
    scale_min: float
    scale_max: float
    gap_threshold: float
    trajectories: tuple[Trajectory, ...]  # in the order the people were given (partner A, B)
    gaps: tuple[GapPoint, ...]  # measurable gaps only, oldest first

    @property
    def gap_first(self) -> GapPoint | None:
        return self.gaps[0] if self.gaps else None

    @property
    def gap_now(self) -> GapPoint | None:
        return self.gaps[-1] if self.gaps else None


@dataclass(frozen=True)
class ScoreHistory:
    """One scored questionnaire's history for one couple or client."""

    instrument_id: str
    version: int  # the version whose subscales, labels and reference values are used
    title: str
    gap_threshold: float
    pairing_window_days: int
    client_ids: tuple[int, ...]
    subscales: tuple[SubscaleHistory, ...]

    @property
    def administrations(self) -> int:
        """Submitted administrations shown (each counted once, whatever its subscales)."""
        return len({p.administration_id for s in self.subscales for t in s.trajectories for p in t.points})


def definition_reliabilities(definition: Definition) -> dict[str, Reliability]:
    """Each subscale's reliability as its definition publishes it (no practice data)."""
    return {sid: Reliability(s.reliability, SOURCE_DEFINITION, 0) for sid, s in definition.subscales.items()}


def trajectory(
    submitted: Sequence[Submitted], subscale_id: str, subscale: Subscale, reliability: Reliability
) -> tuple[TrajectoryPoint, ...]:
    """One person's administrations (oldest first) on one subscale, with reliable change."""
    points: list[TrajectoryPoint] = []
    baseline: tuple[int, float] | None = None
    previous: tuple[int, float] | None = None
    for taken in submitted:
        if subscale_id not in taken.means:
            continue  # a version without this subscale
        mean = taken.means[subscale_id]
        band = taken.bands.get(subscale_id)
        if mean is None:
            points.append(TrajectoryPoint(taken.administration_id, taken.at, None, band, None, None, None, None))
            continue
        from_baseline = _change(baseline, mean, subscale, reliability)
        from_previous = _change(previous, mean, subscale, reliability)
        points.append(TrajectoryPoint(
            taken.administration_id, taken.at, mean, band, from_baseline, from_previous,
            baseline[0] if baseline else None, previous[0] if previous else None,
        ))
        baseline = baseline or (taken.administration_id, mean)
        previous = (taken.administration_id, mean)
    return tuple(points)


def _change(
    before: tuple[int, float] | None, after: float, subscale: Subscale, reliability: Reliability
) -> Change | None:
    if before is None:
        return None
    return reliable_change(before[1], after, sd=subscale.reference_sd, reliability=reliability.value,
                           higher_is_better=subscale.higher_is_better, reliability_source=reliability.source)


def pair_rounds(
    a: Sequence[Submitted], b: Sequence[Submitted], *, window: timedelta
) -> list[tuple[Submitted, Submitted]]:
    """One-to-one pairs at most ``window`` apart, closest first, none crossing another; returned
    oldest pair first. ``a`` and ``b`` are each oldest first."""
    candidates = sorted(
        (abs(x.at - y.at), i, j)
        for i, x in enumerate(a) for j, y in enumerate(b) if abs(x.at - y.at) <= window
    )
    chosen: list[tuple[int, int]] = []
    for _, i, j in candidates:
        taken = any(i == k or j == m for k, m in chosen)
        crossing = any((k < i) != (m < j) for k, m in chosen)
        if not taken and not crossing:
            chosen.append((i, j))
    return sorted(((a[i], b[j]) for i, j in chosen), key=lambda pair: max(pair[0].at, pair[1].at))


def _gaps(rounds: Sequence[tuple[Submitted, Submitted]], subscale_id: str, threshold: float) -> tuple[GapPoint, ...]:
    out = []
    for a, b in rounds:
        gap = partner_gap(a.means.get(subscale_id), b.means.get(subscale_id), threshold=threshold)
        if gap.size is not None:
            out.append(GapPoint(a.administration_id, a.at, b.administration_id, b.at, gap))
    return tuple(out)


def score_history(
    definition: Definition,
    reliabilities: Mapping[str, Reliability],
    client_ids: Sequence[int],
    submitted: Sequence[Submitted],
) -> ScoreHistory:
    """Every subscale of ``definition`` for these people (partner A then B, or one client)."""
    mine = {cid: sorted((s for s in submitted if s.client_id == cid), key=lambda s: (s.at, s.administration_id))
            for cid in client_ids}
    window = timedelta(days=definition.pairing_window_days)
    rounds = pair_rounds(mine[client_ids[0]], mine[client_ids[1]], window=window) if len(client_ids) == 2 else []
    subscales = []
    for sid, subscale in definition.subscales.items():
        scale = definition.scale_for(subscale.items[0])
        reliability = reliabilities[sid]
        subscales.append(SubscaleHistory(
            id=sid, label=subscale.label, higher_is_better=subscale.higher_is_better,
            reference_sd=subscale.reference_sd, reliability=reliability,
            scale_min=float(scale.min), scale_max=float(scale.max), gap_threshold=definition.gap_threshold,
            trajectories=tuple(Trajectory(cid, trajectory(mine[cid], sid, subscale, reliability))
                               for cid in client_ids),
            gaps=_gaps(rounds, sid, definition.gap_threshold),
        ))
    return ScoreHistory(
        instrument_id=definition.id, version=definition.version, title=definition.title,
        gap_threshold=definition.gap_threshold, pairing_window_days=definition.pairing_window_days,
        client_ids=tuple(client_ids), subscales=tuple(subscales),
    )
