"""Request and response models for the practice's settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.fields import RequestModel


class PracticePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str


class PracticeUpdate(RequestModel):

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
