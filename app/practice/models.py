"""The practice: Mend's tenant. Every clinical row carries its id."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow


class Practice(SQLModel, table=True):
    __tablename__ = "practice"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    # Shown to a client straight after a yes to a self-harm question; None -> Mend's neutral default.
    support_text: str | None = Field(default=None, max_length=1000)
    # The name messages to clients carry (subject, sender, body); None -> the practice's name.
    # Set it when the practice's name says "counselling": a shared inbox shows the subject.
    mail_name: str | None = Field(default=None, max_length=120)
    link_days: int = Field(default=7, sa_column_kwargs={"server_default": "7"})  # 1-30
    # Reminders for a link not yet sent back: N days after the first message, N days before expiry.
    reminder_after_days: int | None = Field(default=2, sa_column_kwargs={"server_default": "2"})
    reminder_before_days: int | None = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Years a record is kept after discharge (app.records.retention, 1-30), and whether the nightly
    # job purges what is past it (off until the owner turns it on; `mend purge --due` works either way).
    retention_years: int = Field(default=7, sa_column_kwargs={"server_default": "7"})
    retention_auto_purge: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Every counselor signs in with a second factor (TOTP); one without it enrols at next sign-in.
    require_two_factor: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
