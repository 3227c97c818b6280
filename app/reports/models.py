"""Record of each generated PDF report (who, when, period, checksum)."""

from __future__ import annotations

from datetime import date, datetime

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
