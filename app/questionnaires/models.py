"""Administrations of a questionnaire, their answers, scores and raised flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow

ADMIN_STATUSES = ("pending", "in_progress", "submitted", "expired", "revoked")
ADMIN_MODES = ("link", "in_session")


class Administration(SQLModel, table=True):
    """One questionnaire given to one client; holds the link token's hash only."""

    __tablename__ = "administration"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    couple_id: int | None = Field(default=None, foreign_key="couple.id", index=True)
    counselor_id: int = Field(foreign_key="counselor.id", index=True)
    instrument_id: str = Field(max_length=60, index=True)
    instrument_version: int
    definition_checksum: str = Field(max_length=64)
    mode: str = Field(default="link", max_length=12)
    status: str = Field(default="pending", max_length=12, index=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    current_section: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    last_saved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True, index=True))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class Response(SQLModel, table=True):
    """One answer to one item; saved page by page so a closed tab loses nothing."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("administration_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    administration_id: int = Field(foreign_key="administration.id", index=True)
    item_id: str = Field(max_length=60)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Score(SQLModel, table=True):
    """One subscale's result for one submitted administration."""

    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("administration_id", "subscale"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    administration_id: int = Field(foreign_key="administration.id", index=True)
    subscale: str = Field(max_length=60)
    mean: float | None = None
    raw: float | None = None
    answered: int = 0
    total: int = 0
    prorated: bool = False
    scored: bool = False
    band: str | None = Field(default=None, max_length=80)


class AdministrationFlag(SQLModel, table=True):
    """A safety or clinical alert raised by an answer; seen by counselors only."""

    __tablename__ = "administration_flag"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    administration_id: int = Field(foreign_key="administration.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    couple_id: int | None = Field(default=None, foreign_key="couple.id", index=True)
    item_id: str = Field(max_length=60)
    severity: str = Field(max_length=10)
    message: str = Field(max_length=500)
    raised_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    resolved_by_id: int | None = Field(default=None, foreign_key="counselor.id")
