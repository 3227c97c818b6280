"""Request and response models for the practice's settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.fields import LINK_DAYS_MAX, RequestModel


class PracticePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str
    support_text: str | None = Field(
        description="Shown to a client straight after a yes to a self-harm question; null: Mend's default")
    mail_name: str | None = Field(description="The name messages to clients carry; null: the practice's name")
    link_days: int = Field(description="How many days a questionnaire link works unless a send says otherwise")
    reminder_after_days: int | None = Field(description="Remind this many days after the first message; null: off")
    reminder_before_days: int | None = Field(description="Remind this many days before the link expires; null: off")
    retention_years: int = Field(description="Years a record is kept after discharge (and after its last entry)")
    retention_auto_purge: bool = Field(description="Whether the nightly job purges records past retention")
    require_two_factor: bool = Field(description="Whether every counselor must sign in with two-factor (TOTP)")


class PracticeUpdate(RequestModel):

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    support_text: str | None = Field(
        default=None, max_length=1000,
        description="Support information for a client who answers yes to a self-harm question, "
                    "e.g. local crisis lines; \"\" restores Mend's neutral default")
    mail_name: str | None = Field(
        default=None, max_length=120,
        description="The name in a message's sender, subject and first line; it must not say what the practice "
                    "does (no 'counselling', 'therapy', 'trust'...), since the other partner may see the inbox. "
                    "\"\" goes back to the practice's name")
    link_days: int | None = Field(default=None, ge=1, le=LINK_DAYS_MAX,
                                  description=f"Days a questionnaire link works (1-{LINK_DAYS_MAX})")
    reminder_after_days: int | None = Field(
        default=None, ge=0, le=30, description="Remind this many days after the first message (1-30); 0 turns it off")
    reminder_before_days: int | None = Field(
        default=None, ge=0, le=30, description="Remind this many days before a link expires (1-30); 0 turns it off")
    retention_years: int | None = Field(default=None, ge=1, le=30,
                                        description="Years a record is kept after discharge (1-30; default 7)")
    retention_auto_purge: bool | None = Field(
        default=None, description="Purge records past retention each night (mend purge --due does it by hand)")
    require_two_factor: bool | None = Field(
        default=None, description="Require two-factor sign-in of every counselor: one without it is led to turn "
                                  "it on at their next page, and their API tokens stop working")
