"""Request/response models for counselors and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.fields import RequestModel

Role = Literal["owner", "counselor"]


class CounselorBase(RequestModel):

    full_name: str = Field(min_length=1, max_length=200)
    role: Role = "counselor"


class CounselorCreate(CounselorBase):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=200)


class CounselorUpdate(RequestModel):

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)


class CounselorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str
    role: Role
    active: bool
    created_at: datetime


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


class AccessTokenPublic(BaseModel):
    """One of the caller's own live sessions: a browser session (web) or an API token (api)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: Literal["web", "api"]
    created_at: datetime
    expires_at: datetime
    current: bool = Field(default=False, description="Whether this is the token making the request")
