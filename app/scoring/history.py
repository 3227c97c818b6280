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

Only like is compared with like: a change is measured only between points whose subscale had the
same items (a new questionnaire version may change them). A point whose items differ from the
baseline's starts a new baseline and says so (``version_break``: "questionnaire version changed:
not compared").

Which reliability: each subscale has a timeline of reliabilities (the definition's reference
values, then the practice's snapshots, each with the version it belongs to and when it came into
force). A change is judged with the one in force when its *later* administration was submitted,
for that administration's version, so a verdict once shown never moves when others submit.

The headline (``ScoreHistory.headline``) counts, per person, the subscales whose latest change
from baseline is a reliable improvement, a reliable deterioration, no reliable change, or too
early to tell (one comparable score): never one overall verdict.

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

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from app.instruments.models import Definition, Subscale
from app.scoring.change import reliable_change
from app.scoring.gap import partner_gap
from app.scoring.types import SOURCE_DEFINITION, Change, Gap, Reliability

VERSION_BREAK_NOTE = "questionnaire version changed: not compared"


@dataclass(frozen=True)
class Submitted:
    """One submitted administration as its scores were stored."""

    administration_id: int
    client_id: int
    at: datetime
    means: Mapping[str, float | None]  # subscale -> mean; None: not scored; absent: not in that version
    bands: Mapping[str, str | None] = field(default_factory=dict)
    version: int | None = None  # the questionnaire version answered
    items: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # subscale -> its items in that version


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
    version_break: bool = False  # items differ from the scores before: a new baseline, not compared
    version: int | None = None
    items: tuple[str, ...] | None = None  # the subscale's items in this point's version

    @property
    def note(self) -> str | None:
        return VERSION_BREAK_NOTE if self.version_break else None


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
    def compared_from(self) -> TrajectoryPoint | None:
        """The point the latest change is measured from: the baseline, or the first score since the
        questionnaire's items changed (the latest itself when it has nothing to compare with)."""
        latest = self.latest
        if latest is None or latest.baseline_id is None:
            return latest
        return next((p for p in self.points if p.administration_id == latest.baseline_id), latest)

    @property
    def version_breaks(self) -> tuple[TrajectoryPoint, ...]:
        return tuple(p for p in self.points if p.version_break)

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
    reliabilities: tuple[Reliability, ...] = ()  # the timeline changes are judged with

    def reliability_at(self, at: datetime | None, version: int | None) -> Reliability:
        """The reliability in force at ``at`` for ``version`` (see ``reliability_at``)."""
        return reliability_at(self.reliabilities or (self.reliability,), at, version)

    def change(self, before: TrajectoryPoint | None, after: TrajectoryPoint) -> Change | None:
        """Reliable change from ``before`` to ``after`` (None when either is unscored or their items
        differ), judged with the reliability in force when ``after`` was submitted."""
        if before is None or before.mean is None or after.mean is None or before.items != after.items:
            return None
        return _measure(before.mean, after.mean, self.higher_is_better, self.reference_sd,
                        self.reliability_at(after.at, after.version))

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

    def headline(self, held: Mapping[int, Collection[str]] | None = None) -> dict[int, Headline]:
        """Per person (``client_ids`` order): how many subscales show each kind of change
        (``held``: per person, subscales not counted unless worse; see ``headline``)."""
        return headline(self, held)


HEADLINE_STATES = ("improvement", "deterioration", "none", "too_early")


@dataclass(frozen=True)
class Headline:
    """One person's subscales counted by their latest change from baseline.

    ``too_early``: a single comparable score so far (the first, or the first since the
    questionnaire's items changed). Subscales never scored are not counted.
    """

    improvement: int = 0  # reliable improvement
    deterioration: int = 0  # reliable deterioration
    no_change: int = 0  # no reliable change
    too_early: int = 0  # too early to tell
    states: tuple[tuple[str, str], ...] = ()  # (subscale id, one of HEADLINE_STATES), in subscale order
    held_back: tuple[str, ...] = ()  # guarded subscales left uncounted while a safety alert is open

    @property
    def total(self) -> int:
        return self.improvement + self.deterioration + self.no_change + self.too_early


def trajectory_state(t: Trajectory) -> str | None:
    """``improvement`` | ``deterioration`` | ``none`` | ``too_early``; None when never scored."""
    latest = t.latest
    if latest is None:
        return None
    if latest.from_baseline is None:
        return "too_early"
    return latest.from_baseline.direction


def headline(history: ScoreHistory, held: Mapping[int, Collection[str]] | None = None) -> dict[int, Headline]:
    """Per person, the count of subscales in each state: no overall "better/worse" verdict, since
    one reliable change among many comparisons happens often by chance alone.

    ``held``: per person, subscales that must not read as reassuring (a guarded subscale while
    that person has an open high-severity flag): they are counted only when worse, and otherwise
    listed in ``held_back`` ("see safety alert"). ``states`` always has every scored subscale.
    """
    out: dict[int, Headline] = {}
    for index, client_id in enumerate(history.client_ids):
        states = tuple((s.id, state) for s in history.subscales
                       if (state := trajectory_state(s.trajectories[index])) is not None)
        hold = set((held or {}).get(client_id, ()))
        kept = [(sid, st) for sid, st in states if sid not in hold or st == "deterioration"]
        counts = [sum(1 for _, st in kept if st == kind) for kind in HEADLINE_STATES]
        held_back = tuple(sid for sid, st in states if sid in hold and st != "deterioration")
        out[client_id] = Headline(*counts, states=states, held_back=held_back)
    return out


def reliability_at(timeline: Sequence[Reliability], at: datetime | None, version: int | None) -> Reliability:
    """The newest reliability of ``version`` in force at ``at`` (taken at or before it; None: the
    newest of all). An entry without a version serves any version; one of the same version wins."""
    if not timeline:
        raise ValueError("a reliability timeline needs at least one entry")
    usable = [r for r in timeline
              if (r.version is None or version is None or r.version == version)
              and (at is None or r.taken_at is None or r.taken_at <= at)]
    if not usable:
        usable = [r for r in timeline if r.taken_at is None] or list(timeline)
    return max(usable, key=lambda r: (version is not None and r.version == version,
                                      r.taken_at is not None, r.taken_at))


def definition_reliabilities(definition: Definition) -> dict[str, Reliability]:
    """Each subscale's reliability as its definition publishes it (no practice data)."""
    return {sid: definition_reliability(definition, sid) for sid in definition.subscales}


def definition_reliability(definition: Definition, subscale_id: str) -> Reliability:
    """One subscale's reference values from its definition, for that version, from the start."""
    s = definition.subscales[subscale_id]
    return Reliability(s.reliability, SOURCE_DEFINITION, 0, sd=s.reference_sd, provisional=s.provisional,
                       version=definition.version)


def trajectory(
    submitted: Sequence[Submitted],
    subscale_id: str,
    subscale: Subscale,
    reliability: Reliability | Sequence[Reliability],
) -> tuple[TrajectoryPoint, ...]:
    """One person's administrations (oldest first) on one subscale, with reliable change.

    ``reliability`` is one reliability or a timeline of them (see ``reliability_at``).
    """
    timeline = (reliability,) if isinstance(reliability, Reliability) else tuple(reliability)
    points: list[TrajectoryPoint] = []
    for taken in submitted:
        if subscale_id not in taken.means:
            continue  # a version without this subscale
        point = TrajectoryPoint(taken.administration_id, taken.at, taken.means[subscale_id],
                                taken.bands.get(subscale_id), None, None, None, None,
                                version=taken.version, items=taken.items.get(subscale_id))
        points.append(point)
    return retrace(points, higher_is_better=subscale.higher_is_better, reference_sd=subscale.reference_sd,
                   timeline=timeline)


def retrace(
    points: Sequence[TrajectoryPoint],
    *,
    higher_is_better: bool,
    reference_sd: float,
    timeline: Sequence[Reliability],
    keep: frozenset[int] | None = None,
) -> tuple[TrajectoryPoint, ...]:
    """The changes of ``points`` (oldest first) measured again: from the baseline and the previous
    scored point, both of the same items, judged with the reliability in force at the later one.
    With ``keep``, only those administrations are kept (a copy showing shared scores only)."""
    out: list[TrajectoryPoint] = []
    baseline: TrajectoryPoint | None = None
    previous: TrajectoryPoint | None = None
    for p in points:
        if keep is not None and p.administration_id not in keep:
            continue
        if p.mean is None:
            out.append(replace(p, from_baseline=None, from_previous=None, baseline_id=None, previous_id=None,
                               version_break=False))
            continue
        broke = baseline is not None and baseline.items != p.items
        if broke:
            baseline = previous = None
        reliability = reliability_at(timeline, p.at, p.version)
        changes = [None if before is None or before.mean is None
                   else _measure(before.mean, p.mean, higher_is_better, reference_sd, reliability)
                   for before in (baseline, previous)]
        point = replace(p, from_baseline=changes[0], from_previous=changes[1],
                        baseline_id=baseline.administration_id if baseline else None,
                        previous_id=previous.administration_id if previous else None, version_break=broke)
        out.append(point)
        baseline = baseline or point
        previous = point
    return tuple(out)


def _measure(before: float, after: float, higher_is_better: bool, reference_sd: float,
             reliability: Reliability) -> Change:
    sd = reliability.sd if reliability.sd is not None else reference_sd
    return reliable_change(before, after, sd=sd, reliability=reliability.value, higher_is_better=higher_is_better,
                           reliability_source=reliability.source, basis=reliability.basis)


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
    reliabilities: Mapping[str, Reliability | Sequence[Reliability]],
    client_ids: Sequence[int],
    submitted: Sequence[Submitted],
) -> ScoreHistory:
    """Every subscale of ``definition`` for these people (partner A then B, or one client).

    ``reliabilities``: per subscale one reliability or a timeline of them (``reliability_at``);
    ``SubscaleHistory.reliability`` is the one in force now for ``definition``'s version.
    """
    mine = {cid: sorted((s for s in submitted if s.client_id == cid), key=lambda s: (s.at, s.administration_id))
            for cid in client_ids}
    window = timedelta(days=definition.pairing_window_days)
    rounds = pair_rounds(mine[client_ids[0]], mine[client_ids[1]], window=window) if len(client_ids) == 2 else []
    subscales = []
    for sid, subscale in definition.subscales.items():
        scale = definition.scale_for(subscale.items[0])
        given = reliabilities[sid]
        timeline = (given,) if isinstance(given, Reliability) else tuple(given)
        subscales.append(SubscaleHistory(
            id=sid, label=subscale.label, higher_is_better=subscale.higher_is_better,
            reference_sd=subscale.reference_sd, reliability=reliability_at(timeline, None, definition.version),
            reliabilities=timeline,
            scale_min=float(scale.min), scale_max=float(scale.max), gap_threshold=definition.gap_threshold,
            trajectories=tuple(Trajectory(cid, trajectory(mine[cid], sid, subscale, timeline))
                               for cid in client_ids),
            gaps=_gaps(rounds, sid, definition.gap_threshold),
        ))
    return ScoreHistory(
        instrument_id=definition.id, version=definition.version, title=definition.title,
        gap_threshold=definition.gap_threshold, pairing_window_days=definition.pairing_window_days,
        client_ids=tuple(client_ids), subscales=tuple(subscales),
    )
