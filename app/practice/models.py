"""The practice: Mend's tenant. Every clinical row carries its id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow


class Practice(SQLModel, table=True):
    __tablename__ = "practice"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    # Shown to a client straight after a yes to a self-harm question; None -> Mend's neutral default.
    support_text: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
