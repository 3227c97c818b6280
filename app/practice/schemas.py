"""Request and response models for the practice's settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.fields import RequestModel


class PracticePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str
    support_text: str | None = Field(
        description="Shown to a client straight after a yes to a self-harm question; null: Mend's default")


class PracticeUpdate(RequestModel):

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    support_text: str | None = Field(
        default=None, max_length=1000,
        description="Support information for a client who answers yes to a self-harm question, "
                    "e.g. local crisis lines; \"\" restores Mend's neutral default")
