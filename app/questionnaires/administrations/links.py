"""Private links: minting tokens, finding an administration by token, the form cookie and CSRF.

Design (ARCHITECTURE.md, "A submission"): the token has 256 random bits and is stored only as its SHA-256.
Opening ``/q/<token>`` swaps it for a session cookie holding a *signed reference*, not the token:
``<administration id>.<idle expiry>.<stage>.<HMAC(secret, id, expiry, stage, token hash, passcode hash)>``,
where the stage says whether the client's passcode was given in this browser. Because the
HMAC covers the current hashes, a new link, a revoke or a new passcode invalidates every
cookie made before it without storing any session row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.auth.security import sign, token_hash
from app.config import get_settings
from app.db import utcnow
from app.fields import parse_id
from app.questionnaires.administrations.state import accepts_answers
from app.questionnaires.models import Administration

COOKIE_NAME = "mend_q"
COOKIE_PATH = "/q"
_MAX_TOKEN_LENGTH = 100  # real tokens are 43 characters; longer input is never looked up


def new_link_nonce() -> str:
    """256 bits from ``secrets`` (ASVS asks for at least 128)."""
    return secrets.token_urlsafe(32)


def link_token(nonce: str) -> str:
    """The link's token: an HMAC of the row's random nonce with the secret key.

    Derived rather than stored so a reminder can carry the same link the first message did,
    while a copy of the database alone (nonce and hash, no key) opens nothing.
    """
    digest = hmac.new(get_settings().secret_key.encode(), f"q-link|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_url(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/q/{token}"


def issue_link(administration: Administration, *, days: int | None, now: datetime | None = None) -> str:
    """Give the administration a fresh token (killing any older one); returns the link URL.

    The passcode, if one was chosen, stays: the client opens the new link with it (a reset is
    ``passcodes.reset_passcode``, the counselor's choice).
    """
    administration.link_nonce = new_link_nonce()
    token = link_token(administration.link_nonce)
    administration.token_hash = token_hash(token)
    administration.expires_at = (now or utcnow()) + timedelta(days=days or get_settings().link_days)
    return link_url(token)


def current_link(administration: Administration) -> str | None:
    """The administration's working link again (for a reminder), or None when it has none."""
    if administration.link_nonce is None or administration.token_hash is None:
        return None
    token = link_token(administration.link_nonce)
    return link_url(token) if hmac.compare_digest(token_hash(token), administration.token_hash) else None


def administration_for_token(session: Session, token: str) -> Administration | None:
    """The administration this token opens, whatever its status; None if unknown.

    The row is fetched by the hash (an index lookup), then the stored hash is compared
    with the computed one in constant time, so no byte-by-byte timing is observable.
    """
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(token)
    found = session.exec(select(Administration).where(Administration.token_hash == digest)).first()
    if found is None or found.token_hash is None:
        return None
    if not hmac.compare_digest(found.token_hash.encode(), digest.encode()):
        return None
    return found


def open_link(session: Session, token: str) -> Administration | None:
    """The administration to fill in, or None for unknown/expired/revoked/submitted links alike."""
    found = administration_for_token(session, token)
    return found if found is not None and accepts_answers(found) else None


# --- the form cookie ------------------------------------------------------------------


@dataclass(frozen=True)
class FormCookie:
    """Whom a form cookie opens, and whether the passcode has been given in this browser."""

    administration: Administration
    unlocked: bool


def _cookie_signature(administration: Administration, expires: int, stage: str) -> str:
    # Covers the token hash and the passcode hash: a new link, a revoke or a new passcode
    # kills every cookie made before it, with no session row to clean up.
    return sign(f"q-cookie|{administration.id}|{expires}|{stage}|{administration.token_hash}|"
                f"{administration.passcode_hash or '-'}")


def cookie_value(administration: Administration, *, unlocked: bool, now: datetime | None = None) -> str:
    """A signed reference to the administration that lives ``link_idle_minutes`` from now."""
    assert administration.id is not None and administration.token_hash is not None
    minutes = get_settings().link_idle_minutes
    expires = int(((now or utcnow()) + timedelta(minutes=minutes)).timestamp())
    stage = _OPEN if unlocked else _LOCKED
    return f"{administration.id}.{expires}.{stage}.{_cookie_signature(administration, expires, stage)}"


_EXPIRY = re.compile(r"[0-9]{1,12}")  # a Unix time in seconds
_OPEN, _LOCKED = "o", "k"  # passcode given in this browser, or still to be asked


def read_cookie(session: Session, value: str | None) -> FormCookie | None:
    """What a form cookie refers to, if its signature and idle time check out."""
    parts = (value or "").split(".")
    if len(parts) != 4 or not _EXPIRY.fullmatch(parts[1]) or parts[2] not in (_OPEN, _LOCKED):
        return None
    administration_id, expires = parse_id(parts[0]), int(parts[1])
    if administration_id is None or expires < utcnow().timestamp():
        return None
    found = session.get(Administration, administration_id)
    if found is None or found.token_hash is None:
        return None
    expected = _cookie_signature(found, expires, parts[2])
    if not hmac.compare_digest(expected.encode(), parts[3].encode()):
        return None
    return FormCookie(found, unlocked=parts[2] == _OPEN and found.passcode_hash is not None)


def quiet_token(administration: Administration) -> str:
    """The signed part of a message's "stop reminders" link; it dies with the link."""
    return f"{administration.id}.{sign(f'q-quiet|{administration.id}|{administration.token_hash}')}"


def administration_for_quiet(session: Session, value: str) -> Administration | None:
    """The administration a "stop reminders" link names, if its signature holds."""
    head = value.partition(".")[0]
    administration_id = parse_id(head)
    found = session.get(Administration, administration_id) if administration_id is not None else None
    if found is None or found.token_hash is None:
        return None
    return found if hmac.compare_digest(quiet_token(found).encode(), value.encode()) else None


def quiet_url(administration: Administration) -> str:
    return f"{get_settings().base_url.rstrip('/')}/q/quiet/{quiet_token(administration)}"


def csrf_token(administration: Administration) -> str:
    """Hidden form field: an HMAC of the administration and its current token hash.

    Only someone holding the cookie ever sees it (pages render only for a valid cookie),
    and it dies with the link on resend or revoke. It does not change when the cookie is
    renewed, so a second tab opened from the link keeps the first tab's typing savable.
    """
    return sign(f"q-csrf|{administration.id}|{administration.token_hash}")


def csrf_ok(administration: Administration, sent: str | None) -> bool:
    if not sent or administration.token_hash is None:
        return False
    return hmac.compare_digest(csrf_token(administration).encode(), sent.encode())
