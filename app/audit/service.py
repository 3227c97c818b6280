"""Write and list audit events; every service that changes or reads a record calls record().

The audit room sits below every domain package (it imports none of them), so anything can
record an event. The actor is anything with an ``id`` (a counselor) or None (a client
using a link, or the system).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.db import add_when_done
from app.pagination import paged


class Actor(Protocol):
    @property
    def id(self) -> int | None: ...


def record(
    session: Session,
    *,
    actor: Actor | None,
    practice_id: int,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
    actor_kind: str | None = None,
) -> AuditEvent:
    """Note an event; on a read request it is written when the request ends (``add_when_done``).

    ``actor_kind`` defaults to "counselor" with an actor and "client" without one.
    """
    event = AuditEvent(
        practice_id=practice_id,
        actor_id=actor.id if actor else None,
        actor_kind=actor_kind or ("counselor" if actor else "client"),
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail or {},
    )
    add_when_done(session, event)
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
    order = (col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    return paged(session, query, order_by=order, offset=offset, limit=limit)
