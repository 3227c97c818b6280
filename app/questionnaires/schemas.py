"""Request and response models for administrations, answers, scores, flags and history.

No response model carries a token hash; the raw link appears only in ``AdministrationWithLink``
(the create/resend answer), because it is never stored and cannot be shown again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.fields import LINK_DAYS_MAX, RecordId, RequestModel

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
    expires_in_days: int | None = Field(default=None, ge=1, le=LINK_DAYS_MAX,
                                        description=f"Link only, 1-{LINK_DAYS_MAX} days; default: the "
                                        "practice's link_days")


class ResendRequest(RequestModel):

    expires_in_days: int | None = Field(default=None, ge=1, le=LINK_DAYS_MAX,
                                        description=f"1-{LINK_DAYS_MAX} days; default: the practice's link_days")
    reset_passcode: bool | None = Field(
        default=None, description="Clear the client's passcode (they forgot it); default: only when the link is "
        "locked. With answers saved, the response holds a one-time code to give the client yourself")


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
    passcode_set: bool = Field(default=False, description="The client has chosen a passcode for this link")
    opened_in_browsers: int = Field(description="How many different browsers opened this link")
    schedule_id: int | None = Field(default=None, description="The schedule that sent it, if any")
    reminders_stopped_at: datetime | None = Field(
        default=None, description="When the client stopped reminders for this link (from the message)")


class AdministrationWithLink(AdministrationPublic):
    """Create/resend answer: the private link is shown here once and never again."""

    link: str | None = None
    reset_code: str | None = Field(
        default=None, description="After a passcode reset with answers saved: give it to the client yourself "
        "(by phone or in session), never in the message with the link. Shown once")


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


class IndicatorPublic(BaseModel):
    """A safety indicator: its items read one by one, never averaged into a subscale."""

    indicator: str
    label: str
    status: str = Field(description="concern | none_reported | incomplete | unanswered")
    text: str = Field(description='What it says, e.g. "Fear or safety concern reported (1 of 4 items)"')
    concern_items: list[str]


class AnswersPublic(BaseModel):
    """Until a link is sent by the client, ``answers`` is empty and ``answers_hidden`` true:
    the counselor sees progress (section, how many answered, last saved) and any flags only."""

    administration: AdministrationPublic
    answers_hidden: bool = False
    message: str | None = None
    answers: list[AnswerPublic]
    scores: list[ScorePublic]
    indicators: list[IndicatorPublic] = Field(default_factory=list, description="Shown once the client sends")
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
    sd: float | None = Field(description="The SD the change was judged with (the practice's own or the definition's)")
    basis: str = Field(description='What the change rests on, e.g. "provisional reference values" or '
                       '"practice data, n = 42 clients, \u03b1 = 0.81 (0.74\u20130.87)"')


class ScorePoint(BaseModel):
    administration_id: int
    submitted_at: datetime
    instrument_version: int | None
    mean: float | None
    band: str | None
    scored: bool
    version_break: bool = Field(description="The subscale's items changed with the questionnaire version: "
                                "this point starts a new baseline and is not compared with earlier ones")
    note: str | None = Field(description='"questionnaire version changed: not compared" at a version break')
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
    reliability: float = Field(description="The reliability in force now (each change says what it used)")
    reliability_source: str  # "practice" | "definition"
    n_administrations: int
    n_clients: int = Field(description="Distinct clients behind the practice's alpha (0: the definition's)")
    alpha_low: float | None = Field(description="95% confidence interval of the practice's alpha (Feldt)")
    alpha_high: float | None
    reliability_sd: float | None = Field(description="The SD in force now for reliable change")
    provisional: bool = Field(description="The definition's reference values in force are placeholders")
    basis: str = Field(description="What the reliability in force now rests on, in words")
    scale_min: float
    scale_max: float
    partner_a: PartnerSeries
    partner_b: PartnerSeries
    gaps: list[GapPublic]


class HeadlinePublic(BaseModel):
    """One partner's subscales counted by their latest change from baseline (scoring.history)."""

    client_id: int
    role: Literal["a", "b"]
    reliable_improvement: int
    reliable_deterioration: int
    no_reliable_change: int
    too_early: int = Field(description="Only one comparable score so far")
    safety_alert: list[str] = Field(
        default_factory=list, description="Subscales that must not read as reassuring while this partner has "
        "an open high-severity flag: their bands read 'see safety alert' and they are left out of the counts "
        "unless they got reliably worse")


class CoupleScoreHistory(BaseModel):
    couple_id: int
    instrument_id: str
    instrument_version: int
    title: str
    gap_threshold: float
    pairing_window_days: int
    headline: list[HeadlinePublic] = Field(description="Per partner (A then B), the subscales counted by "
                                           "their latest change from baseline; no overall verdict")
    subscales: list[SubscaleHistoryPublic]
