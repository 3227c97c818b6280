"""The passcode a client chooses for their link: the link alone never shows a saved answer.

The passcode is stored only as an argon2 hash (as counselor passwords are). Wrong passcodes
are counted on the administration, whichever browser sends them, and a right one doesn't
wipe the count (someone else's guesses stay visible to the counselor); at the limit the link
locks, and only a new link from the counselor opens it again (answers kept, new passcode).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.auth.security import hash_password, verify_password
from app.config import get_settings
from app.db import utcnow
from app.errors import Conflict, InvalidField
from app.questionnaires.administrations.openings import note_link_event
from app.questionnaires.administrations.state import QuestionnaireClosed, accepts_answers, lock_administration
from app.questionnaires.models import Administration

MIN_LENGTH = 4
MAX_LENGTH = 64


@dataclass(frozen=True)
class PasscodeCheck:
    """The outcome of one try: ``ok``, else how many tries are left (0 once locked)."""

    administration: Administration
    ok: bool
    tries_left: int

    @property
    def locked(self) -> bool:
        return self.administration.locked_at is not None


def _open_for_passcode(session: Session, administration_id: int) -> Administration:
    administration = lock_administration(session, administration_id)
    if administration is None or not accepts_answers(administration):
        raise QuestionnaireClosed(administration)
    return administration


def choose_passcode(
    session: Session, *, administration_id: int, passcode: str, again: str, browser: str | None
) -> Administration:
    """Set the passcode on first opening; ``InvalidField`` names what's wrong with it."""
    if len(passcode) < MIN_LENGTH:
        raise InvalidField("passcode", f"Choose a passcode of at least {MIN_LENGTH} characters")
    if len(passcode) > MAX_LENGTH:
        raise InvalidField("passcode", f"Keep the passcode to {MAX_LENGTH} characters or fewer")
    if passcode != again:
        raise InvalidField("again", "The two passcodes are not the same; type it again in both boxes")
    administration = _open_for_passcode(session, administration_id)
    if administration.passcode_hash is not None or administration.locked_at is not None:
        raise Conflict("A passcode is already set for this link")
    administration.passcode_hash = hash_password(passcode)
    session.add(administration)
    session.flush()
    note_link_event(session, administration, "passcode_set", browser=browser)
    return administration


def check_passcode(
    session: Session, *, administration_id: int, passcode: str, browser: str | None
) -> PasscodeCheck:
    """Count a try under the row lock, so parallel guesses can't slip past the limit."""
    administration = _open_for_passcode(session, administration_id)
    limit = get_settings().link_passcode_attempts
    if administration.locked_at is not None or administration.passcode_hash is None:
        return PasscodeCheck(administration, ok=False, tries_left=0)
    if passcode and len(passcode) <= MAX_LENGTH and verify_password(administration.passcode_hash, passcode):
        note_link_event(session, administration, "passcode_ok", browser=browser)
        return PasscodeCheck(administration, ok=True, tries_left=limit)
    administration.passcode_failures += 1
    note_link_event(session, administration, "passcode_failed", browser=browser,
                    detail={"failures": administration.passcode_failures})
    if administration.passcode_failures >= limit:
        administration.locked_at = utcnow()
        note_link_event(session, administration, "locked", browser=browser)
    session.add(administration)
    session.flush()
    return PasscodeCheck(administration, ok=False, tries_left=max(limit - administration.passcode_failures, 0))
