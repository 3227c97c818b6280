"""Plain-data inputs for a progress report.

``reports.gather`` reads the database and fills these; the context builder only ever
sees these frozen dataclasses (and the score histories of ``app.scoring.history``), so it
can be tested without a database and reused by the web preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from app.scoring.history import ScoreHistory

SubjectKind = Literal["couple", "client"]
Modality = Literal["in_person", "video", "phone"]
CheckIn = Literal["kept", "partly", "not_kept"]
Paper = Literal["A4", "Letter"]
#: Who a copy is for (``app.reports.core.audience`` decides what each may see).
Audience = Literal["clinical", "couple", "partner", "supervision"]
AUDIENCES: tuple[Audience, ...] = ("clinical", "couple", "partner", "supervision")


@dataclass(frozen=True)
class PartnerInput:
    """One person in the report: "Partner A"/"Partner B" for a couple, or the client
    (in the same order as the trajectories of ``ReportInput.scores``)."""

    label: str
    name: str
    first_name: str = ""  # what a partner's own copy calls them ("For Maya only")
    #: The side of the breach this person gave at intake: "hurt" | "involved" | None (not
    #: given, "both", unsure, or the two answers disagree). See ``app.reports.core.roles``.
    role: str | None = None


@dataclass(frozen=True)
class SessionInput:
    """One therapy session. ``status`` "held" counts as attended; see
    ``NOT_HELD_STATUSES`` in attendance.py for the ones that do not."""

    start: datetime
    duration_minutes: int
    modality: Modality | str
    attendees: Sequence[str] = ()
    status: str = "held"


@dataclass(frozen=True)
class AgreementInput:
    """A boundary, rule, amend or transparency practice and its check-ins, oldest first."""

    kind: str
    title: str
    status: str  # active | kept | broken | retired
    checkins: Sequence[CheckIn | str] = ()


@dataclass(frozen=True)
class FlagInput:
    """An open alert raised by a flagged answer (e.g. a safety concern)."""

    partner_label: str
    raised_at: datetime
    severity: str  # high | medium | low
    message: str


@dataclass(frozen=True)
class SafetyInput:
    """A person's latest reading of a safety indicator (items read one by one, never averaged)."""

    partner_label: str
    label: str  # e.g. "Safety"
    text: str  # e.g. "Fear or safety concern reported (1 of 4 items)"
    concern: bool
    at: datetime


@dataclass(frozen=True)
class ReportInput:
    """Everything one report shows, as plain data."""

    practice_name: str
    counselor_name: str
    subject_kind: SubjectKind
    subject_name: str
    partners: Sequence[PartnerInput]
    period_start: date
    period_end: date
    generated_at: datetime
    breach_type: str | None = None
    disclosed_on: date | None = None
    sessions: Sequence[SessionInput] = ()
    scores: Sequence[ScoreHistory] = ()  # people in the order of ``partners``; up to the period's end
    agreements: Sequence[AgreementInput] = ()
    flags: Sequence[FlagInput] = ()
    safety: Sequence[SafetyInput] = ()
    intake_highlights: Sequence[tuple[str, str]] = ()
    summary: str | None = None
    paper: Paper = "A4"
    generated_by: str | None = None  # who asked for it, when not the couple's counselor
    timezone: str = "UTC"  # the practice's: every date is shown in it
    #: Administrations whose person agreed to share their scores with the couple (the
    #: couple's copy shows only these); ``audience.for_audience`` empties it in a copy.
    shared_administration_ids: frozenset[int] = frozenset()
    # Who this copy is for; set by ``audience.for_audience``, printed on every page.
    audience: Audience = "clinical"
    audience_partner: str | None = None  # the label of the person a "partner" copy is for
    dates_shifted: bool = False  # every date moved back by one hidden number of days
    #: Where the default period started ("start of counselling", "first session", "last 90 days");
    #: None when the counselor chose the dates.
    period_from: str | None = None
    #: (questionnaire id, subscale id) pairs whose score must not read as reassuring while the
    #: person has an open high-severity flag (``Definition.guarded_subscales``).
    safety_subscales: frozenset[tuple[str, str]] = frozenset()
