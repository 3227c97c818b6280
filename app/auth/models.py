"""Counselors, their login tokens and failed-login records."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow

ROLES = ("owner", "counselor")


class Counselor(SQLModel, table=True):
    __tablename__ = "counselor"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    email: str = Field(max_length=254, unique=True)
    full_name: str = Field(max_length=200)
    role: str = Field(default="counselor", max_length=20)
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # Two-factor sign-in (TOTP): the secret while enrolling and after; enabled once a first code
    # was given; the last time step used, so one code can't be used twice.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    totp_last_step: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


class AccessToken(SQLModel, table=True):
    """A bearer token (API) or a browser session (web); only its SHA-256 is kept."""

    __tablename__ = "access_token"

    id: int | None = Field(default=None, primary_key=True)
    counselor_id: int = Field(foreign_key="counselor.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    kind: str = Field(default="api", max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class RecoveryCode(SQLModel, table=True):
    """A one-time recovery code for two-factor sign-in, stored only as its hash."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    counselor_id: int = Field(foreign_key="counselor.id", index=True)
    code_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class LoginFailure(SQLModel, table=True):
    """One failed login, keyed by account and by address, to slow down guessing."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    failed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
