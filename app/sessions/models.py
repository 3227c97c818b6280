"""Therapy sessions with their DAP notes and addenda; a couple's agreements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Column, Field, SQLModel, Text

from app.db import UTCDateTime, utcnow

MODALITIES = ("in_person", "video", "phone")
NOTE_STATUSES = ("draft", "signed")
# A session is planned ahead, then held (its note as before), cancelled or a no-show.
ATTENDANCE = ("planned", "held", "cancelled", "no_show")
AGREEMENT_KINDS = ("boundary", "rule", "amend", "transparency_practice")
AGREEMENT_STATUSES = ("active", "kept", "broken", "retired")
CHECKIN_OUTCOMES = ("kept", "partly", "not_kept")


class TherapySession(SQLModel, table=True):
    __tablename__ = "therapy_session"
    __table_args__ = (
        CheckConstraint(
            "(couple_id IS NULL) <> (client_id IS NULL)", name="couple_or_client"
        ),
        # A couple's (or client's) timeline newest first is the commonest read: one index
        # serves both the filter and the order, so SQLite never sorts 100k rows.
        Index("ix_therapy_session_couple_starts", "couple_id", "starts_at"),
        Index("ix_therapy_session_client_starts", "client_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    counselor_id: int = Field(foreign_key="counselor.id", index=True)
    couple_id: int | None = Field(default=None, foreign_key="couple.id")
    client_id: int | None = Field(default=None, foreign_key="client.id")
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    duration_minutes: int = 50
    modality: str = Field(default="in_person", max_length=20)
    attendee_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note_data: str = Field(default="", sa_column=Column(Text, nullable=False))
    note_assessment: str = Field(default="", sa_column=Column(Text, nullable=False))
    note_plan: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="draft", max_length=10)
    attendance: str = Field(default="held", max_length=12, sa_column_kwargs={"server_default": "held"})
    signed_by_id: int | None = Field(default=None, foreign_key="counselor.id")
    signed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # SHA-256 of the signed note's content, stored at signing and checked on every read.
    note_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class NoteAddendum(SQLModel, table=True):
    """A dated correction to a signed note, by its author; the note itself never changes."""

    __tablename__ = "note_addendum"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    session_id: int = Field(foreign_key="therapy_session.id", index=True)
    author_id: int = Field(foreign_key="counselor.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Agreement(SQLModel, table=True):
    __tablename__ = "agreement"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    couple_id: int = Field(foreign_key="couple.id", index=True)
    kind: str = Field(max_length=30)
    title: str = Field(max_length=200)
    details: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="active", max_length=20)
    created_by_id: int = Field(foreign_key="counselor.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class AgreementStatusChange(SQLModel, table=True):
    """History of an agreement's status, so a report can show when it changed."""

    __tablename__ = "agreement_status_change"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    note: str = Field(default="", max_length=1000)
    changed_by_id: int = Field(foreign_key="counselor.id")
    changed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class AgreementCheckIn(SQLModel, table=True):
    """Whether an agreement was kept since the last session, recorded at a session."""

    __tablename__ = "agreement_checkin"
    __table_args__ = (UniqueConstraint("agreement_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    session_id: int = Field(foreign_key="therapy_session.id", index=True)
    outcome: str = Field(max_length=10)
    comment: str = Field(default="", max_length=2000)
    recorded_by_id: int = Field(foreign_key="counselor.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
