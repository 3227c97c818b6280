"""Who saw or changed what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    # One chain per practice: each event's place in it is unique, so two writers can't both
    # take the same place.
    __table_args__ = (UniqueConstraint("practice_id", "chain_seq", name="uq_audit_event_chain"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="counselor.id", index=True)
    actor_kind: str = Field(default="counselor", max_length=20)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    # The tamper-evident chain: this event's place in its practice's chain and the keyed hash over
    # its content and the previous event's hash (None for events from before the chain began).
    chain_seq: int | None = None
    chain_hash: str | None = Field(default=None, max_length=64)
