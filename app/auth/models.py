"""Counselors, their login tokens and failed-login records."""

from __future__ import annotations

from datetime import datetime

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


class LoginFailure(SQLModel, table=True):
    """One failed login, keyed by account and by address, to slow down guessing."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    failed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
