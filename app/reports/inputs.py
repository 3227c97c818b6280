"""Plain-data inputs for a progress report.

The report service (later) reads the database and fills these; the context
builder only ever sees these frozen dataclasses, so it can be tested without a
database and reused by the web preview.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

SubjectKind = Literal["couple", "client"]
Modality = Literal["in_person", "video", "phone"]
CheckIn = Literal["kept", "partly", "not_kept"]
Paper = Literal["A4", "Letter"]


@dataclass(frozen=True)
class PartnerInput:
    """One person in the report: "Partner A"/"Partner B" for a couple, or the client."""

    label: str
    name: str


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
class AssessmentInput:
    """One submitted administration: subscale id -> mean (None = not scored)."""

    partner_label: str
    submitted_at: datetime
    instrument_title: str
    means: Mapping[str, float | None]


@dataclass(frozen=True)
class SubscaleInfo:
    """What the report needs to know about a subscale to judge change and gaps."""

    id: str
    label: str
    reference_sd: float
    reliability: float
    reliability_source: str = "definition"  # "definition" | "practice"
    higher_is_better: bool = True
    gap_threshold: float = 1.0
    scale_min: float = 1.0
    scale_max: float = 5.0


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
    assessments: Sequence[AssessmentInput] = ()
    subscales: Sequence[SubscaleInfo] = ()
    agreements: Sequence[AgreementInput] = ()
    flags: Sequence[FlagInput] = ()
    intake_highlights: Sequence[tuple[str, str]] = ()
    summary: str | None = None
    paper: Paper = "A4"
    generated_by: str | None = None  # who asked for it, when not the couple's counselor
