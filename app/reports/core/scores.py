"""The report's reading of score histories (pure): each partner's story per subscale, in words.

The numbers (trajectories, reliable change, the paired gaps) come from
``app.scoring.history`` unchanged, so the report shows what the API and the couple page show;
this module only names the people and says plainly when there is nothing (new) to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.reports.core import formatting as fmt
from app.reports.core.inputs import PartnerInput
from app.reports.core.roles import gap_sentence
from app.scoring import Change
from app.scoring.history import GapPoint, ScoreHistory, SubscaleHistory, Trajectory, TrajectoryPoint

NO_ASSESSMENTS = "No assessments yet"
NOT_SHARED = "No shared scores yet"  # the couple's copy: nothing this person agreed to share
NOT_SCORED = "Not scored — too many items unanswered"
LATEST_NOT_SCORED = "Latest assessment not scored — too many items unanswered"
ONE_SCORE = "One score on this subscale so far — no change yet"
VERSION_CHANGED = "Questionnaire version changed: change is measured from the first score of the new version"
SEE_SAFETY_ALERT = "see safety alert"
#: Said once per person and questionnaire, instead of a note on every subscale.
ONE_ASSESSMENT = "one assessment so far ({day}): change can be measured from the next one"


def change_basis(change: Change) -> str:
    """What a change figure rests on, in words (``Change.basis`` from the scoring engine)."""
    if change.basis:
        return change.basis
    source = "this practice's data" if change.reliability_source == "practice" else "the questionnaire definition"
    return f"r = {change.reliability:.2f} from {source}"


@dataclass(frozen=True)
class PartnerScore:
    """One partner's story on one subscale."""

    partner: PartnerInput
    trajectory: Trajectory
    note: str | None  # plain words when there is nothing (or nothing new) to show
    #: The person has an open high-severity flag and this subscale is guarded: its score must
    #: not read as reassuring (the band and change words say "see safety alert").
    guarded: bool = False

    @property
    def partner_name(self) -> str:
        return self.partner.name

    @property
    def points(self) -> tuple[TrajectoryPoint, ...]:
        """Scored points only, oldest first."""
        return self.trajectory.scored

    @property
    def administrations(self) -> int:
        """Administrations that included this subscale (scored or not)."""
        return len(self.trajectory.points)

    @property
    def baseline(self) -> TrajectoryPoint | None:
        """The score the latest change is measured from (the first one, or the first since the
        questionnaire's items changed): ``Trajectory.compared_from``."""
        return self.trajectory.compared_from

    @property
    def previous(self) -> TrajectoryPoint | None:
        latest = self.latest
        if latest is None or latest.from_previous is None:
            return None if latest is not None and latest.version_break else self.trajectory.previous
        return next((p for p in self.trajectory.points if p.administration_id == latest.previous_id),
                    self.trajectory.previous)

    @property
    def latest(self) -> TrajectoryPoint | None:
        return self.trajectory.latest

    @property
    def band(self) -> str | None:
        """The latest score's band; "see safety alert" when guarded."""
        if self.latest is None:
            return None
        return SEE_SAFETY_ALERT if self.guarded else self.latest.band

    @property
    def from_baseline(self) -> Change | None:
        return self.latest.from_baseline if self.latest else None

    @property
    def worse(self) -> bool:
        """The latest change from baseline is a reliable deterioration (never reassuring, so a
        guarded score still shows it)."""
        return self.from_baseline is not None and self.from_baseline.direction == "deterioration"

    @property
    def from_previous(self) -> Change | None:
        return self.latest.from_previous if self.latest else None

    @property
    def latest_unscored(self) -> TrajectoryPoint | None:
        return self.trajectory.latest_unscored


@dataclass(frozen=True)
class SubscaleSection:
    """A subscale with every partner's trajectory and the paired gaps between partners."""

    info: SubscaleHistory
    partners: tuple[PartnerScore, ...]

    @property
    def gap_now(self) -> GapPoint | None:
        return self.info.gap_now

    @property
    def gap_first(self) -> GapPoint | None:
        return self.info.gap_first

    @property
    def gap_sentence(self) -> str:
        """Who scores higher now, in the roles' terms where known (empty without a gap)."""
        gap = self.gap_now
        if gap is None:
            return ""
        text = gap_sentence([p.partner for p in self.partners], gap.difference, fmt.score(gap.size))
        return text[:1].upper() + text[1:]

    @property
    def chartable(self) -> bool:
        """A chart only where someone has a line: two scores or more (a lone dot says nothing
        a number doesn't)."""
        return any(len(p.points) >= 2 for p in self.partners)

    @property
    def changes(self) -> tuple[Change, ...]:
        """Every change figure this section shows (since first and since previous)."""
        shown = []
        for p in self.partners:
            if p.guarded:
                shown += [p.from_baseline] if p.worse else []
            else:
                shown += [p.from_baseline, p.from_previous]
        return tuple(c for c in shown if c is not None)


@dataclass(frozen=True)
class PersonLine:
    """Said once for a person and questionnaire: no assessment yet, or only one."""

    partner: PartnerInput
    text: str
    single: bool  # True: one assessment (its scores are shown); False: none


@dataclass(frozen=True)
class InstrumentScores:
    """One scored questionnaire's sections, in the order its definition lists the subscales."""

    title: str
    administrations: int
    pairing_window_days: int
    sections: tuple[SubscaleSection, ...]
    people: tuple[PersonLine, ...] = ()  # one line per person with no or a single assessment
    history: ScoreHistory | None = None

    @property
    def chartable(self) -> bool:
        return any(s.chartable for s in self.sections)

    @property
    def gaps_chartable(self) -> bool:
        """The gap chart compares first and latest pairs: worth drawing once a subscale has two."""
        return any(len(s.info.gaps) >= 2 for s in self.sections)


def note(trajectory: Trajectory, empty: str = NO_ASSESSMENTS) -> str | None:
    """What to say instead of (or beside) the numbers (``empty``: when there are no points)."""
    if not trajectory.points:
        return empty
    if not trajectory.scored:
        return NOT_SCORED
    if trajectory.latest_unscored is not None:
        return LATEST_NOT_SCORED
    if any(p.version_break for p in trajectory.scored):
        return VERSION_CHANGED
    if len(trajectory.scored) == 1:
        return ONE_SCORE
    return None


def _administrations(history: ScoreHistory, index: int) -> tuple[TrajectoryPoint, ...]:
    """The person's administrations of this questionnaire (any subscale), oldest first."""
    seen: dict[int, TrajectoryPoint] = {}
    for s in history.subscales:
        for p in s.trajectories[index].points:
            seen.setdefault(p.administration_id, p)
    return tuple(sorted(seen.values(), key=lambda p: (p.at, p.administration_id)))


def _person_line(partner: PartnerInput, taken: Sequence[TrajectoryPoint], empty: str,
                 zone: str | None) -> PersonLine | None:
    if not taken:
        return PersonLine(partner, empty, single=False)
    if len(taken) == 1:
        return PersonLine(partner, ONE_ASSESSMENT.format(day=fmt.day(taken[0].at, zone)), single=True)
    return None


def _section(history: SubscaleHistory, partners: Sequence[PartnerInput], empty: str,
             said: Sequence[PersonLine | None], guarded: Sequence[bool]) -> SubscaleSection:
    if len(history.trajectories) != len(partners):
        raise ValueError("a score history must have one trajectory per person in the report")
    rows = []
    for p, t, line, guard in zip(partners, history.trajectories, said, guarded, strict=True):
        words = note(t, empty)
        if line is not None and words in (empty, ONE_SCORE):
            words = None  # said once for the whole questionnaire
        rows.append(PartnerScore(p, t, words, guarded=guard and t.latest is not None))
    return SubscaleSection(info=history, partners=tuple(rows))


def build_scores(
    histories: Sequence[ScoreHistory], partners: Sequence[PartnerInput], *, empty: str = NO_ASSESSMENTS,
    alerted: frozenset[str] = frozenset(), guarded: frozenset[tuple[str, str]] = frozenset(),
    zone: str | None = None,
) -> tuple[InstrumentScores, ...]:
    """The report's score sections: one group per questionnaire, one section per subscale.

    ``alerted``: labels of the people with an open high-severity flag; their ``guarded``
    subscales (questionnaire id, subscale id) never read as reassuring."""
    out = []
    for h in histories:
        said = [_person_line(p, _administrations(h, i), empty, zone) for i, p in enumerate(partners)]
        sections = tuple(
            _section(s, partners, empty, said,
                     [p.label in alerted and (h.instrument_id, s.id) in guarded for p in partners])
            for s in h.subscales
        )
        out.append(InstrumentScores(h.title, h.administrations, h.pairing_window_days, sections,
                                    people=tuple(line for line in said if line is not None), history=h))
    return tuple(out)
