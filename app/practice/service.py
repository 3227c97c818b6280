"""Creating and updating a practice (the tenant)."""

from __future__ import annotations

from zoneinfo import available_timezones

from sqlmodel import Session, col, select, update

from app.audit.service import record
from app.auth.models import AccessToken, Counselor
from app.db import utcnow
from app.errors import Forbidden, InvalidField
from app.fields import LINK_DAYS_MAX
from app.practice.mail_name import clinical_words_in
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


def check_mail_name(name: str) -> None:
    """A mail name must not say what the practice does: a shared inbox shows the subject."""
    found = clinical_words_in(name)
    if found:
        raise InvalidField("mail_name", f"Messages to clients must not say what the practice does, and this name "
                                        f"contains “{found[0]}”. Choose a plain name, e.g. the street or initials.")


def mail_name_warning(practice: Practice) -> str | None:
    """Why the practice's own name should not be its mail name, when it holds a clinical word."""
    if practice.mail_name:
        return None
    found = clinical_words_in(practice.name)
    if not found:
        return None
    return (f"Messages to clients carry your practice's name, which contains “{found[0]}”. The other partner may "
            "see the inbox: set a plain name for messages.")


def update_practice(
    session: Session, *, actor: Counselor, name: str | None, timezone: str | None,
    support_text: str | None = None, mail_name: str | None = None, link_days: int | None = None,
    reminder_after_days: int | None = None, reminder_before_days: int | None = None,
    retention_years: int | None = None, retention_auto_purge: bool | None = None,
    require_two_factor: bool | None = None,
) -> Practice:
    """Owner only. ``support_text`` and ``mail_name`` "" go back to the default, a reminder of 0
    days turns it off; None leaves each as it is."""
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
    if mail_name is not None:
        check_mail_name(mail_name)
        practice.mail_name = mail_name.strip() or None
    for field, days, top in (("link_days", link_days, LINK_DAYS_MAX), ("reminder_after_days", reminder_after_days, 30),
                             ("reminder_before_days", reminder_before_days, 30)):
        if days is None:
            continue
        low = 1 if field == "link_days" else 0
        if not low <= days <= top:
            raise InvalidField(field, f"Enter a number of days from {low} to {top}")
        setattr(practice, field, days or None)
    if retention_years is not None:
        if not 1 <= retention_years <= 30:
            raise InvalidField("retention_years", "Enter a number of years from 1 to 30")
        practice.retention_years = retention_years
    if retention_auto_purge is not None:
        practice.retention_auto_purge = retention_auto_purge
    if require_two_factor is not None:
        if require_two_factor and not practice.require_two_factor:
            _revoke_api_tokens_without_two_factor(session, practice_id=practice.id)
        practice.require_two_factor = require_two_factor
    session.add(practice)
    session.flush()
    record(session, actor=actor, practice_id=practice.id, action="update", entity="practice",
           entity_id=practice.id)
    return practice


def _revoke_api_tokens_without_two_factor(session: Session, *, practice_id: int | None) -> None:
    """When two-factor becomes required, API tokens of counselors without it stop working (their
    browser sessions are led to enrol instead, by ``web.deps``)."""
    without = select(Counselor.id).where(col(Counselor.practice_id) == practice_id,
                                         col(Counselor.totp_enabled_at).is_(None))
    session.exec(update(AccessToken).where(  # type: ignore[call-overload]
        col(AccessToken.counselor_id).in_(without), col(AccessToken.kind) == "api",
        col(AccessToken.revoked_at).is_(None)).values(revoked_at=utcnow()).execution_options(synchronize_session=False))
