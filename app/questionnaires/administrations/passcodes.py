"""The passcode a client chooses for their link: the link alone never shows a saved answer.

The passcode is stored only as an argon2 hash (as counselor passwords are). Wrong passcodes
are counted on the administration, whichever browser sends them, and a right one doesn't
wipe the count (someone else's guesses stay visible to the counselor); at the limit the link
locks. A new link keeps the passcode; only a *reset* (after a lock, or when the client forgot
it) clears it, and when answers are already saved the reset comes with a one-time code the
counselor gives the client themselves (by phone or in session), so whoever reads the email
with the new link still can't choose a passcode and see them.

Both functions commit once, on purpose (ARCHITECTURE.md, "Transactions"): argon2 takes ~0.1 s
and on SQLite a write transaction holds the database's one writer lock, so the hash runs
between two short transactions: read what to check, hash, then lock the row and record.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from itertools import pairwise

from sqlmodel import Session

from app.auth.security import hash_password, verify_password
from app.config import get_settings
from app.db import utcnow
from app.errors import Conflict, InvalidField
from app.questionnaires.administrations.openings import note_link_event
from app.questionnaires.administrations.state import lock_open
from app.questionnaires.models import Administration

MIN_LENGTH = 6
MAX_LENGTH = 64
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread over the phone
_TOO_EASY = {"password", "passcode", "qwerty", "letmein", "abc123", "iloveyou", "123123"}


@dataclass(frozen=True)
class PasscodeCheck:
    """The outcome of one try: ``ok``, else how many tries are left (0 once locked)."""

    administration: Administration
    ok: bool
    tries_left: int

    @property
    def locked(self) -> bool:
        return self.administration.locked_at is not None


def reset_passcode(administration: Administration, *, answered: bool) -> str | None:
    """Clear the passcode, the count and the lock; the one-time code to give the client, if
    answers are saved (nothing to protect otherwise). Shown once; stored only as a hash."""
    administration.passcode_hash, administration.passcode_failures, administration.locked_at = None, 0, None
    administration.reset_code_hash = None
    if not answered:
        return None
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    administration.reset_code_hash = hash_password(code)
    return f"{code[:4]}-{code[4:]}"


def _normal_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def _check_choice(passcode: str, again: str) -> None:
    if len(passcode) < MIN_LENGTH:
        raise InvalidField("passcode", f"Choose a passcode of at least {MIN_LENGTH} characters")
    if len(passcode) > MAX_LENGTH:
        raise InvalidField("passcode", f"Keep the passcode to {MAX_LENGTH} characters or fewer")
    if _too_easy(passcode):
        raise InvalidField("passcode", "That passcode is easy to guess; a few words you'll remember are better")
    if passcode != again:
        raise InvalidField("again", "The two passcodes are not the same; type it again in both boxes")


def _too_easy(passcode: str) -> bool:
    """Someone close guesses these first: one repeated character, a run like 123456, a common word."""
    plain = passcode.lower()
    if len(set(plain)) == 1 or plain in _TOO_EASY:
        return True
    steps = {ord(b) - ord(a) for a, b in pairwise(plain)}
    return plain.isalnum() and steps in ({1}, {-1})


def choose_passcode(
    session: Session, *, administration: Administration, passcode: str, again: str, code: str,
    browser: str | None,
) -> Administration:
    """Set the passcode on first opening (or after a reset, with the counselor's code).

    ``InvalidField`` names what's wrong; a wrong code counts as a wrong passcode.
    """
    _check_choice(passcode, again)
    needs_code = administration.reset_code_hash
    session.commit()  # see the module docstring: no hash under the writer lock
    code_ok = needs_code is None or verify_password(needs_code, _normal_code(code))
    chosen = hash_password(passcode) if code_ok else None
    administration = lock_open(session, administration.id)  # type: ignore[arg-type]
    if administration.passcode_hash is not None or administration.locked_at is not None:
        raise Conflict("A passcode is already set for this link")
    if administration.reset_code_hash != needs_code:
        raise Conflict("This link was reset meanwhile")
    if chosen is None:
        _count_failure(session, administration, browser)
        raise InvalidField("code", "That code isn't right. Check the code your counselor gave you")
    administration.passcode_hash, administration.reset_code_hash = chosen, None
    session.add(administration)
    session.flush()
    note_link_event(session, administration, "passcode_set", browser=browser,
                    detail={"after_reset": needs_code is not None})
    return administration


def check_passcode(
    session: Session, *, administration: Administration, passcode: str, browser: str | None
) -> PasscodeCheck:
    """Verify, then count the try under the row lock, so parallel guesses can't pass the limit."""
    limit = get_settings().link_passcode_attempts
    stored = administration.passcode_hash
    session.commit()  # see the module docstring: no hash under the writer lock
    ok = bool(stored and passcode and len(passcode) <= MAX_LENGTH and verify_password(stored, passcode))
    administration = lock_open(session, administration.id)  # type: ignore[arg-type]
    if administration.locked_at is not None or administration.passcode_hash is None:
        return PasscodeCheck(administration, ok=False, tries_left=0)
    if ok and administration.passcode_hash == stored:
        note_link_event(session, administration, "passcode_ok", browser=browser)
        return PasscodeCheck(administration, ok=True, tries_left=limit)
    _count_failure(session, administration, browser)
    return PasscodeCheck(administration, ok=False, tries_left=max(limit - administration.passcode_failures, 0))


def _count_failure(session: Session, administration: Administration, browser: str | None) -> None:
    administration.passcode_failures += 1
    note_link_event(session, administration, "passcode_failed", browser=browser,
                    detail={"failures": administration.passcode_failures})
    if administration.passcode_failures >= get_settings().link_passcode_attempts:
        administration.locked_at = utcnow()
        note_link_event(session, administration, "locked", browser=browser)
    session.add(administration)
    session.flush()
