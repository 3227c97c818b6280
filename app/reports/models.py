"""Record of each generated PDF report (who, when, period, checksum) and the kept PDF itself."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow


class Report(SQLModel, table=True):
    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    couple_id: int | None = Field(default=None, foreign_key="couple.id", index=True)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    generated_by_id: int = Field(foreign_key="counselor.id")
    generated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    period_start: date
    period_end: date
    checksum: str = Field(max_length=64)
    size_bytes: int
    filename: str = Field(max_length=200)
    # Who the copy is for (app.reports.core.audience); printed on every page.
    audience: str = Field(default="clinical", max_length=20, sa_column_kwargs={"server_default": "clinical"})
    partner_id: int | None = Field(default=None, foreign_key="client.id")  # the partner a "partner" copy is for
    dates_shifted: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class ReportFile(SQLModel, table=True):
    """The PDF bytes of a generated report, kept so the same copy can be downloaded again.

    A table of its own, so listing reports never reads the files. A report made before copies
    were kept has no row here. The bytes are checked against ``Report.checksum`` and
    ``Report.size_bytes`` before every download (``reports.service.open_copy``)."""

    __tablename__ = "report_file"

    report_id: int = Field(foreign_key="report.id", primary_key=True)
    pdf: bytes = Field(sa_column=Column(sa.LargeBinary, nullable=False))
