"""Request and response models for schedules, the outbox and the counselor's queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.fields import LINK_DAYS_MAX, RequestModel

RuleName = Literal["once", "every_weeks", "every_sessions", "before_session"]


class ScheduleCreate(RequestModel):

    instrument_id: str = Field(min_length=1, max_length=60, description="A questionnaire of the catalog")
    rule: RuleName = Field(description="once; every N weeks; after every N held sessions; N days before each "
                                       "planned session")
    every: int | None = Field(default=None, ge=1, le=52,
                              description="every_weeks: 1-52 weeks; every_sessions: 1-20 held sessions")
    days_before: int | None = Field(default=None, ge=0, le=14,
                                    description="before_session: 0-14 days before the session starts")
    starts_on: date | None = Field(default=None, description="Defaults to today (the practice's time zone)")
    ends_on: date | None = Field(default=None, description="The last day a send may fall on; none: until stopped")
    link_days: int | None = Field(default=None, ge=1, le=LINK_DAYS_MAX,
                                  description="Days each link works; default: the practice's setting")


class ScheduleUpdate(RequestModel):
    """What a counselor may change on a schedule that has not ended (omitted fields stay)."""

    rule: RuleName | None = None
    every: int | None = Field(default=None, ge=1, le=52)
    days_before: int | None = Field(default=None, ge=0, le=14)
    starts_on: date | None = None
    ends_on: date | None = Field(default=None, description="null: no end date")
    link_days: int | None = Field(default=None, ge=1, le=LINK_DAYS_MAX, description="null: the practice's setting")


class SchedulePublic(BaseModel):
    id: int
    couple_id: int | None
    client_id: int | None
    instrument_id: str
    title: str
    rule: RuleName
    every: int | None
    days_before: int | None
    starts_on: date
    ends_on: date | None
    link_days: int | None
    status: Literal["active", "paused", "ended"]
    ended_reason: str | None
    rule_text: str = Field(description='The rule in words, e.g. "Every 3 weeks from Mon 5 Jan"')
    next_due_at: datetime | None = Field(description="When the next send is due, for a dated rule")
    sessions_to_go: int | None = Field(description="every_sessions: held sessions still to go before the next send")
    next_due_text: str = Field(description='E.g. "Tue 8 Dec, 09:00", "after 2 more held sessions", "paused"')
    last_sent_at: datetime | None = Field(description="When its latest message was made")
    created_at: datetime


class MessagePublic(BaseModel):
    """A message waiting for the counselor: to pass on by hand (``outbox``), or held."""

    id: int
    client_id: int
    client_name: str
    couple_id: int | None
    schedule_id: int | None
    administration_id: int | None
    kind: Literal["invitation", "reminder"]
    status: str
    held_reason: str | None
    held_reason_text: str | None = Field(description="Why it waits, in words")
    lifted_by: str | None = Field(description="What lets a held message go")
    can_release: bool = Field(description="The counselor may hand it on in person (never for a safety flag)")
    title: str | None = Field(description="The questionnaire's title (for the counselor, never in the message)")
    subject: str | None = Field(description="The message's subject, as the client would read it")
    body: str | None = Field(description="The message's text with the live link; null when the link is gone")
    link: str | None
    expires_at: datetime | None
    due_at: datetime


class OutboxPublic(BaseModel):
    outbox: list[MessagePublic] = Field(description="Messages to pass on by hand")
    held: list[MessagePublic] = Field(description="Messages waiting for the counselor")


QueueCategory = Literal["due", "to_pass_on", "overdue", "opened_not_sent", "never_opened", "expiring_soon", "held",
                        "undeliverable", "reminders_stopped"]


class QueueRowPublic(BaseModel):
    category: QueueCategory
    client_id: int | None
    couple_id: int | None
    name: str = Field(description="Whom it is about: the client's or the couple's name")
    title: str
    why: str = Field(description="Why it is listed, in words")
    at: datetime | None
    administration_id: int | None = None
    schedule_id: int | None = None
    message_id: int | None = None


class QueuePublic(BaseModel):
    counts: dict[str, int]
    rows: list[QueueRowPublic]
