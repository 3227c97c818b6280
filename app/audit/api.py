"""Owners read the practice's audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from app.audit.service import list_events
from app.auth.deps import CurrentCounselor
from app.db import SessionDep
from app.errors import Forbidden
from app.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1", tags=["audit"])


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


@router.get("/audit-events", response_model=Page[AuditEventPublic])
def audit_events(
    session: SessionDep, counselor: CurrentCounselor, page: PageDep,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[int | None, Query()] = None,
) -> Page[AuditEventPublic]:
    if not counselor.is_owner:
        raise Forbidden("Only the practice owner can read the audit trail")
    rows, total = list_events(
        session, practice_id=counselor.practice_id, entity=entity, entity_id=entity_id,
        offset=page.offset, limit=page.limit,
    )
    items = [AuditEventPublic.model_validate(r) for r in rows]
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)
