"""The report's reading of score histories (pure): each partner's story per subscale, in words.

The numbers (trajectories, reliable change, the paired gaps) come from
``app.scoring.history`` unchanged, so the report shows what the API and the couple page show;
this module only names the people and says plainly when there is nothing (new) to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.reports.core.inputs import PartnerInput
from app.scoring import Change
from app.scoring.history import GapPoint, ScoreHistory, SubscaleHistory, Trajectory, TrajectoryPoint

NO_ASSESSMENTS = "No assessments yet"
NOT_SHARED = "No shared scores yet"  # the couple's copy: nothing this person agreed to share
NOT_SCORED = "Not scored — too many items unanswered"
LATEST_NOT_SCORED = "Latest assessment not scored — too many items unanswered"
ONE_SCORE = "One assessment so far — no change yet"


@dataclass(frozen=True)
class PartnerScore:
    """One partner's story on one subscale."""

    partner: PartnerInput
    trajectory: Trajectory
    note: str | None  # plain words when there is nothing (or nothing new) to show

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
        return self.trajectory.baseline

    @property
    def previous(self) -> TrajectoryPoint | None:
        return self.trajectory.previous

    @property
    def latest(self) -> TrajectoryPoint | None:
        return self.trajectory.latest

    @property
    def from_baseline(self) -> Change | None:
        return self.latest.from_baseline if self.latest else None

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


@dataclass(frozen=True)
class InstrumentScores:
    """One scored questionnaire's sections, in the order its definition lists the subscales."""

    title: str
    administrations: int
    pairing_window_days: int
    sections: tuple[SubscaleSection, ...]


def note(trajectory: Trajectory, empty: str = NO_ASSESSMENTS) -> str | None:
    """What to say instead of (or beside) the numbers (``empty``: when there are no points)."""
    if not trajectory.points:
        return empty
    if not trajectory.scored:
        return NOT_SCORED
    if trajectory.latest_unscored is not None:
        return LATEST_NOT_SCORED
    if len(trajectory.scored) == 1:
        return ONE_SCORE
    return None


def _section(history: SubscaleHistory, partners: Sequence[PartnerInput], empty: str) -> SubscaleSection:
    if len(history.trajectories) != len(partners):
        raise ValueError("a score history must have one trajectory per person in the report")
    return SubscaleSection(
        info=history,
        partners=tuple(PartnerScore(p, t, note(t, empty))
                       for p, t in zip(partners, history.trajectories, strict=True)),
    )


def build_scores(
    histories: Sequence[ScoreHistory], partners: Sequence[PartnerInput], *, empty: str = NO_ASSESSMENTS
) -> tuple[InstrumentScores, ...]:
    """The report's score sections: one group per questionnaire, one section per subscale."""
    return tuple(
        InstrumentScores(h.title, h.administrations, h.pairing_window_days,
                         tuple(_section(s, partners, empty) for s in h.subscales))
        for h in histories
    )
