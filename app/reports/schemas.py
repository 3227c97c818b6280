"""Request and response models for progress reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.fields import RecordId, RequestModel

MAX_SUMMARY_CHARS = 5000
#: ``app.reports.core.inputs.Audience`` (schemas sit below the core; a test keeps the two equal).
Audience = Literal["clinical", "couple", "partner", "supervision"]


class ReportRequest(RequestModel):
    """What to put in a report; every field is optional (default: the clinical record from the
    start of counselling, or the first session, or else the last 90 days, up to today; A4).
    ``audience`` says who the copy is for (``app.reports.core.audience``): ``partner_id`` picks
    the person of a ``partner`` copy, ``dates_shifted`` is for ``supervision`` only. The
    combinations are checked with the couple or client itself (``reports.gather.audience_choice``),
    so the API and the web form say the same words."""

    period_start: date | None = None
    period_end: date | None = None
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY_CHARS)
    paper: Literal["A4", "Letter"] = "A4"
    audience: Audience = "clinical"
    partner_id: RecordId | None = None
    dates_shifted: bool = False


class ReportPublic(BaseModel):
    """A generated report's record; ``kept`` says whether its PDF is stored, to download again
    from ``GET /api/v1/reports/{id}/pdf`` (reports made before copies were kept are not)."""

    id: int
    generated_at: datetime
    generated_by_id: int
    generated_by: str  # the counselor's full name
    period_start: date
    period_end: date
    checksum: str  # SHA-256 of the PDF, to recognise a copy later
    size_bytes: int
    filename: str
    audience: Audience  # who the copy is for
    partner_id: int | None  # the person of a partner's copy
    dates_shifted: bool  # a supervision copy whose dates were moved (the real period is above)
    kept: bool = False  # its PDF is stored and can be downloaded again
