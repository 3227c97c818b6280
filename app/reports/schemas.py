"""Request and response models for progress reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.fields import RequestModel

MAX_SUMMARY_CHARS = 5000


class ReportRequest(RequestModel):
    """What to put in a report; every field is optional (default: the last 90 days, A4)."""


    period_start: date | None = None
    period_end: date | None = None
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY_CHARS)
    paper: Literal["A4", "Letter"] = "A4"


class ReportPublic(BaseModel):
    """A generated report's record (the PDF itself is not stored)."""

    id: int
    generated_at: datetime
    generated_by_id: int
    generated_by: str  # the counselor's full name
    period_start: date
    period_end: date
    checksum: str  # SHA-256 of the PDF, to recognise a copy later
    size_bytes: int
    filename: str
