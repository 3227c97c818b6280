"""Request and response models for administrations, answers, scores, flags and history.

No response model carries a token hash; the raw link appears only in ``AdministrationWithLink``
(the create/resend answer), because it is never stored and cannot be shown again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.fields import RecordId, RequestModel

Mode = Literal["link", "in_session"]
Status = Literal["pending", "in_progress", "submitted", "expired", "revoked"]


# --- instruments ----------------------------------------------------------------


class SubscaleInfo(BaseModel):
    id: str
    label: str
    items: list[str]


class InstrumentPublic(BaseModel):
    """The latest version of a questionnaire, with the versions still available."""

    id: str
    version: int
    versions: list[int]
    title: str
    kind: str
    description: str
    item_count: int
    subscales: list[SubscaleInfo]


# --- administrations --------------------------------------------------------------


class AdministrationCreate(RequestModel):

    client_id: RecordId
    couple_id: RecordId | None = Field(default=None, description="Give it in this couple's context")
    instrument_id: str = Field(min_length=1, max_length=60)
    version: int | None = Field(default=None, ge=1, description="Defaults to the latest version")
    mode: Mode = "link"
    expires_in_days: int | None = Field(default=None, ge=1, le=90, description="Link only; default 14")


class ResendRequest(RequestModel):

    expires_in_days: int | None = Field(default=None, ge=1, le=90)


class AdministrationPublic(BaseModel):
    """An administration as counselors see it; ``status`` already accounts for expiry."""

    id: int
    client_id: int
    couple_id: int | None
    counselor_id: int
    instrument_id: str
    instrument_version: int
    title: str
    mode: Mode
    status: Status
    expires_at: datetime | None
    current_section: str | None
    answered: int
    total_items: int
    created_at: datetime
    started_at: datetime | None
    last_saved_at: datetime | None
    submitted_at: datetime | None
    revoked_at: datetime | None
    share_scores: bool = Field(description="The client agreed that reports for the couple may show their scores")
    locked: bool = Field(description="The link is locked after too many wrong passcodes; a new link unlocks it")
    locked_at: datetime | None
    failed_passcodes: int = Field(description="Wrong passcodes typed on this link")
    opened_in_browsers: int = Field(description="How many different browsers opened this link")


class AdministrationWithLink(AdministrationPublic):
    """Create/resend answer: the private link is shown here once and never again."""

    link: str | None = None


class AnswersUpdate(RequestModel):

    answers: dict[str, Any] = Field(description="item id -> answer; null clears an answer")


class SubmitRequest(RequestModel):

    share_scores: bool = Field(default=False, description="The client's answer, asked aloud: may reports "
                                                          "for the two of you show your scores?")


# --- answers, scores, flags ----------------------------------------------------


class ScorePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subscale: str
    mean: float | None
    raw: float | None
    answered: int
    total: int
    prorated: bool
    scored: bool
    band: str | None


class FlagPublic(BaseModel):
    id: int
    administration_id: int
    client_id: int
    client_name: str
    couple_id: int | None
    instrument_id: str
    item_id: str
    severity: str
    message: str
    raised_at: datetime
    resolved_at: datetime | None
    resolved_by_id: int | None
    resolved_by_name: str | None = None
    resolution_note: str | None = None


NOTE_MAX = 500


class FlagReviewRequest(RequestModel):
    """Why a flag is marked dealt with (or reopened): required, checked by the service after
    the flag is found, so another caseload's flag is a 404 whatever the body."""

    note: str | None = Field(default=None, max_length=NOTE_MAX, description="1 to 500 characters, required")


class FlagReviewPublic(BaseModel):
    """One "dealt with" or "reopened" step on a flag: who, when and the note."""

    id: int
    flag_id: int
    action: Literal["resolved", "reopened"]
    note: str
    at: datetime
    by_id: int
    by_name: str
    client_id: int
    client_name: str
    administration_id: int
    severity: str
    message: str
    flag_open: bool = Field(description="Whether the flag is open now")


class AnswerPublic(BaseModel):
    item_id: str
    section_id: str
    text: str
    type: str
    value: Any
    display: str | None = Field(description="The answer as the client saw it, e.g. 'Agree (4)'")


ANSWERS_HIDDEN = "Answers are shown once the client sends them"


class AnswersPublic(BaseModel):
    """Until a link is sent by the client, ``answers`` is empty and ``answers_hidden`` true:
    the counselor sees progress (section, how many answered, last saved) and any flags only."""

    administration: AdministrationPublic
    answers_hidden: bool = False
    message: str | None = None
    answers: list[AnswerPublic]
    scores: list[ScorePublic]
    flags: list[FlagPublic]


class SubmissionPublic(BaseModel):
    administration: AdministrationPublic
    scores: list[ScorePublic]
    flags: list[FlagPublic]


# --- couple score history (the API's shape of app.scoring.history) -------


class ChangePublic(BaseModel):
    """Change between two scores with the Reliable Change Index."""

    from_administration_id: int
    delta: float
    rci: float
    se_diff: float
    reliable: bool
    direction: str
    label: str
    reliability: float
    reliability_source: str


class ScorePoint(BaseModel):
    administration_id: int
    submitted_at: datetime
    mean: float | None
    band: str | None
    scored: bool
    from_baseline: ChangePublic | None
    from_previous: ChangePublic | None


class PartnerSeries(BaseModel):
    client_id: int
    first_name: str
    role: Literal["a", "b"]
    points: list[ScorePoint]


class GapPublic(BaseModel):
    """The gap between partner A's and B's administrations paired by time (scoring.history)."""

    at: datetime
    a_administration_id: int
    a_submitted_at: datetime
    b_administration_id: int
    b_submitted_at: datetime
    a_mean: float
    b_mean: float
    difference: float  # a - b
    size: float
    large: bool


class SubscaleHistoryPublic(BaseModel):
    subscale: str
    label: str
    higher_is_better: bool
    reference_sd: float
    reliability: float
    reliability_source: str  # "practice" | "definition"
    n_administrations: int
    scale_min: float
    scale_max: float
    partner_a: PartnerSeries
    partner_b: PartnerSeries
    gaps: list[GapPublic]


class CoupleScoreHistory(BaseModel):
    couple_id: int
    instrument_id: str
    instrument_version: int
    title: str
    gap_threshold: float
    pairing_window_days: int
    subscales: list[SubscaleHistoryPublic]
