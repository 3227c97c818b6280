"""Schedules of questionnaires and the messages that carry their links to clients."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow

#: once; every N weeks; after every N held sessions; a set number of days before each planned session.
SCHEDULE_RULES = ("once", "every_weeks", "every_sessions", "before_session")
SCHEDULE_STATUSES = ("active", "paused", "ended")
MESSAGE_KINDS = ("invitation", "reminder")
#: held: waiting for the counselor (safety, no email); queued: for the mail worker; outbox: waiting
#: for the counselor to pass it on by hand; sent; failed: undeliverable; cancelled: no longer needed.
MESSAGE_STATUSES = ("held", "queued", "outbox", "sent", "failed", "cancelled")


class Schedule(SQLModel, table=True):
    """One questionnaire sent to a couple (both partners) or a client on a rule, until it ends."""

    __tablename__ = "schedule"
    __table_args__ = (CheckConstraint("(couple_id IS NULL) <> (client_id IS NULL)", name="schedule_couple_or_client"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    counselor_id: int = Field(foreign_key="counselor.id", index=True)
    couple_id: int | None = Field(default=None, foreign_key="couple.id", index=True)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    instrument_id: str = Field(max_length=60)
    rule: str = Field(max_length=20)
    every: int | None = None  # N weeks or N held sessions
    days_before: int | None = None  # before_session: this many days before the session starts
    starts_on: date
    ends_on: date | None = None
    link_days: int | None = None  # None: the practice's link expiry
    status: str = Field(default="active", max_length=10)
    # Occurrences due before this moment are never sent (set on resume, so a pause sends no backlog).
    skip_before: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    ended_reason: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Message(SQLModel, table=True):
    """A message to one client that carries a questionnaire link: the first one or a reminder.

    ``key`` makes creating it idempotent (one row per schedule occurrence or reminder slot), and
    is the email's Message-ID, so a mail server that sees a retry knows it. The wording is built
    when it goes out (``outreach.wording``) and never stored: the link lives nowhere but the
    message itself.
    """

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    couple_id: int | None = Field(default=None, foreign_key="couple.id", index=True)
    schedule_id: int | None = Field(default=None, foreign_key="schedule.id", index=True)
    administration_id: int | None = Field(default=None, foreign_key="administration.id", index=True)
    key: str = Field(max_length=120, unique=True)
    kind: str = Field(default="invitation", max_length=12)
    channel: str = Field(default="outbox", max_length=8)  # "email" or "outbox"
    status: str = Field(default="queued", max_length=10)
    held_reason: str | None = Field(default=None, max_length=40)
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    last_error: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
