"""Practice settings and, for the owner, the practice's audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict

from app.audit.service import list_events
from app.auth.deps import CurrentCounselor
from app.db import SessionDep
from app.errors import Forbidden
from app.fields import RecordId
from app.pagination import Page, PageDep
from app.practice import service
from app.practice.schemas import PracticePublic, PracticeUpdate
from app.routing import ApiRouter, errors

router = ApiRouter(prefix="/api/v1", tags=["practice"])


@router.get("/practice", response_model=PracticePublic)
def get_practice(session: SessionDep, counselor: CurrentCounselor) -> PracticePublic:
    return PracticePublic.model_validate(service.get_practice(session, actor=counselor))


@router.patch("/practice", response_model=PracticePublic, responses=errors(403))
def update_practice(data: PracticeUpdate, session: SessionDep, counselor: CurrentCounselor) -> PracticePublic:
    practice = service.update_practice(
        session, actor=counselor, name=data.name, timezone=data.timezone, support_text=data.support_text,
        mail_name=data.mail_name, link_days=data.link_days, reminder_after_days=data.reminder_after_days,
        reminder_before_days=data.reminder_before_days, retention_years=data.retention_years,
        retention_auto_purge=data.retention_auto_purge, require_two_factor=data.require_two_factor,
    )
    return PracticePublic.model_validate(practice)


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    actor_id: int | None
    actor_kind: str
    action: str
    entity: str
    entity_id: int | None
    detail: dict[str, Any]
    at: datetime


@router.get("/audit-events", response_model=Page[AuditEventPublic], tags=["audit"], responses=errors(403))
def audit_events(
    session: SessionDep, counselor: CurrentCounselor, page: PageDep,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[RecordId | None, Query()] = None,
) -> Page[AuditEventPublic]:
    """Who saw or changed what, newest first (owner only)."""
    if not counselor.is_owner:
        raise Forbidden("Only the practice owner can read the audit trail")
    rows, total = list_events(
        session, practice_id=counselor.practice_id, entity=entity, entity_id=entity_id,
        offset=page.offset, limit=page.limit,
    )
    return Page.of(rows, total, page, AuditEventPublic)
