"""Administrations of a questionnaire, their answers, scores and raised flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
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
    # Something only the client knows: the link alone never shows a saved answer.
    passcode_hash: str | None = Field(default=None, max_length=200)
    passcode_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # After a passcode reset with answers saved: the one-time code the counselor gave the client.
    reset_code_hash: str | None = Field(default=None, max_length=200)
    # The client's own choice, asked before sending; reports for the couple show scores only when True.
    share_scores: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # The link's token is derived from this random nonce and the secret key (links.issue_link), so
    # a reminder can carry the same link while the database alone holds no working link.
    link_nonce: str | None = Field(default=None, max_length=64)
    schedule_id: int | None = Field(default=None, foreign_key="schedule.id", index=True)
    # The client asked for no more reminders of this link (from the message's signed link).
    reminders_stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


LINK_EVENT_KINDS = ("opened", "passcode_set", "passcode_ok", "passcode_failed", "locked")


class LinkEvent(SQLModel, table=True):
    """Something that happened on a private link, for the counselor to see.

    ``browser`` is a keyed hash of a random per-browser cookie: enough to tell "same browser"
    from "new browser", and nothing about the device, its address or its user agent.
    """

    __tablename__ = "link_event"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    administration_id: int = Field(foreign_key="administration.id", index=True)
    kind: str = Field(max_length=20)
    browser: str | None = Field(default=None, max_length=64)
    new_browser: bool = False
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))


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
    resolution_note: str | None = Field(default=None, max_length=500)


class FlagReview(SQLModel, table=True):
    """Each time a counselor marks a flag dealt with or reopens it: who, when and why."""

    __tablename__ = "flag_review"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    flag_id: int = Field(foreign_key="administration_flag.id", index=True)
    action: str = Field(max_length=12)  # "resolved" or "reopened"
    note: str = Field(max_length=500)
    by_id: int = Field(foreign_key="counselor.id")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ReliabilitySnapshot(SQLModel, table=True):
    """The practice's own reliability of one subscale of one questionnaire version, as it stood.

    Taken by ``mend reliability`` (``app.questionnaires.scores.reliability.take_snapshots``), never
    per request: a change is judged against the snapshot in force when its later administration
    was submitted, so another couple's answers never move a past verdict. ``alpha`` is None when
    it is undefined (fewer than two complete answer sets, or totals that do not vary).
    """

    __tablename__ = "reliability_snapshot"
    __table_args__ = (sa.Index("ix_reliability_snapshot_lookup", "practice_id", "instrument_id",
                               "instrument_version", "taken_at"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id")
    instrument_id: str = Field(max_length=60)
    instrument_version: int
    subscale: str = Field(max_length=60)
    alpha: float | None = None
    alpha_low: float | None = None  # 95% confidence interval (Feldt's method)
    alpha_high: float | None = None
    n_clients: int = 0  # distinct clients whose answers entered alpha and SD (one set each)
    n_administrations: int = 0  # submitted administrations of this version in the practice
    clients_seen: int = 0  # distinct clients with a submitted administration of this version
    n_items: int = 0
    sd: float | None = None  # sample SD of the subscale means of those clients' answer sets
    reason: str = Field(max_length=12)  # "floor" | "growth" | "refresh"
    taken_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
