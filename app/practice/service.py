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


#: Shown to a client straight after a yes to a self-harm question, until the practice sets its own
#: (with local numbers). Neutral on purpose: it must be true wherever the practice is.
DEFAULT_SUPPORT_TEXT = (
    "Thank you for telling us. You don't have to carry this alone. Your counselor will see this "
    "answer and will be in touch with you privately. If you feel you might act on these thoughts, "
    "or you are in danger now, call your local emergency number or go to the nearest emergency "
    "department. You can also call a crisis line in your country at any time of day or night."
)


def support_text(practice: Practice | None) -> str:
    """What a client sees after a yes to a self-harm question: the practice's words, else ours."""
    return (practice.support_text if practice is not None else None) or DEFAULT_SUPPORT_TEXT


def update_practice(
    session: Session, *, actor: Counselor, name: str | None, timezone: str | None,
    support_text: str | None = None,
) -> Practice:
    """Owner only. ``support_text`` "" goes back to Mend's default; None leaves it as it is."""
    if not actor.is_owner:
        raise Forbidden("Only the practice owner can change practice settings")
    practice = get_practice(session, actor=actor)
    if name is not None:
        practice.name = name.strip()
    if timezone is not None:
        _check_timezone(timezone)
        practice.timezone = timezone
    if support_text is not None:
        practice.support_text = support_text.strip() or None
    session.add(practice)
    session.flush()
    record(session, actor=actor, practice_id=practice.id, action="update", entity="practice",
           entity_id=practice.id)
    return practice
