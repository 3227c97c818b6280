"""The tail every PATCH-style change shares: refuse emptied required fields, apply the
changes, stamp ``updated_at``, flush, and audit which fields changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, SQLModel

from app.audit.service import Actor, record
from app.db import utcnow
from app.errors import InvalidField


def refuse_empty(changes: Mapping[str, Any], fields: Iterable[str]) -> None:
    """A field that must keep a value can't be set to null; name the first that was."""
    for field in fields:
        if field in changes and changes[field] is None:
            raise InvalidField(field, f"{field} cannot be empty")


def apply_update(
    session: Session, row: SQLModel, changes: Mapping[str, Any], *, actor: Actor, practice_id: int, entity: str
) -> None:
    """Set each given field, stamp ``updated_at`` where the table has one, flush, and audit the
    fields whose value really changed (a form posts every field; the trail names what was
    edited, and an update that changed nothing records nothing)."""
    changed = sorted(f for f, value in changes.items() if getattr(row, f) != value)
    for field, value in changes.items():
        setattr(row, field, value)
    if not changed:
        return
    if hasattr(row, "updated_at"):
        row.updated_at = utcnow()  # type: ignore[attr-defined]
    session.add(row)
    session.flush()
    record(session, actor=actor, practice_id=practice_id, action="update", entity=entity,
           entity_id=getattr(row, "id", None), detail={"fields": changed})
