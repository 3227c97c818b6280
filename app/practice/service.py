"""Creating and updating a practice (the tenant)."""

from __future__ import annotations

from zoneinfo import available_timezones

from sqlmodel import Session

from app.audit.service import record
from app.auth.models import Counselor
from app.errors import Forbidden, InvalidField
from app.practice.models import Practice


def create_practice(session: Session, *, name: str, timezone: str = "UTC") -> Practice:
    _check_timezone(timezone)
    practice = Practice(name=name.strip(), timezone=timezone)
    session.add(practice)
    session.flush()
    return practice


def _check_timezone(timezone: str) -> None:
    if timezone not in available_timezones():
        raise InvalidField("timezone", f"Unknown time zone {timezone!r}; use e.g. Europe/London")


def get_practice(session: Session, *, actor: Counselor) -> Practice:
    practice = session.get(Practice, actor.practice_id)
    assert practice is not None  # a counselor always belongs to a practice (foreign key)
    return practice


def update_practice(
    session: Session, *, actor: Counselor, name: str | None, timezone: str | None
) -> Practice:
    if not actor.is_owner:
        raise Forbidden("Only the practice owner can change practice settings")
    practice = get_practice(session, actor=actor)
    if name is not None:
        practice.name = name.strip()
    if timezone is not None:
        _check_timezone(timezone)
        practice.timezone = timezone
    session.add(practice)
    session.flush()
    record(session, actor=actor, practice_id=practice.id, action="update", entity="practice",
           entity_id=practice.id)
    return practice
