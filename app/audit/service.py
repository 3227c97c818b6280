"""Write and list audit events; every service that changes or reads a note calls record()."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from app.audit.models import AuditEvent
from app.auth.models import Counselor


def record(
    session: Session,
    *,
    actor: Counselor | None,
    practice_id: int,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
    actor_kind: str = "counselor",
) -> AuditEvent:
    event = AuditEvent(
        practice_id=practice_id,
        actor_id=actor.id if actor else None,
        actor_kind=actor_kind if actor else "client",
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail or {},
    )
    session.add(event)
    return event


def list_events(
    session: Session,
    *,
    practice_id: int,
    entity: str | None = None,
    entity_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEvent], int]:
    query = select(AuditEvent).where(AuditEvent.practice_id == practice_id)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total
