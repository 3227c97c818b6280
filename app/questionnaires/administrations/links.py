"""Private links: minting tokens, finding an administration by token, the form cookie and CSRF.

Design (ARCHITECTURE.md, "A submission"): the token has 256 random bits and is stored only as its SHA-256.
Opening ``/q/<token>`` swaps it for a cookie holding a *signed reference*, not the token:
``<administration id>.<expiry unix time>.<HMAC(secret, id, expiry, token hash)>``.
Because the HMAC covers the current token hash, resending (new hash) or revoking a link
invalidates every cookie made from the old one without storing any session row.
"""

from __future__ import annotations

import hmac
import re
import secrets
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


def new_link_token() -> str:
    """256 bits from ``secrets`` (ASVS asks for at least 128)."""
    return secrets.token_urlsafe(32)


def link_url(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/q/{token}"


def issue_link(administration: Administration, *, days: int | None) -> str:
    """Give the administration a fresh token (killing any older one); returns the link URL."""
    token = new_link_token()
    administration.token_hash = token_hash(token)
    administration.expires_at = utcnow() + timedelta(days=days or get_settings().link_days)
    return link_url(token)


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


def _cookie_signature(administration_id: int, expires: int, hashed_token: str) -> str:
    return sign(f"q-cookie|{administration_id}|{expires}|{hashed_token}")


def cookie_value(administration: Administration, now: datetime | None = None) -> str:
    """A signed reference to the administration, valid for ``link_cookie_minutes``."""
    assert administration.id is not None and administration.token_hash is not None
    minutes = get_settings().link_cookie_minutes
    expires = int(((now or utcnow()) + timedelta(minutes=minutes)).timestamp())
    signature = _cookie_signature(administration.id, expires, administration.token_hash)
    return f"{administration.id}.{expires}.{signature}"


_EXPIRY = re.compile(r"[0-9]{1,12}")  # a Unix time in seconds


def administration_for_cookie(session: Session, value: str | None) -> Administration | None:
    """The administration a cookie refers to, if its signature and age check out."""
    parts = (value or "").split(".")
    if len(parts) != 3 or not _EXPIRY.fullmatch(parts[1]):
        return None
    administration_id, expires = parse_id(parts[0]), int(parts[1])
    if administration_id is None:
        return None
    if expires < utcnow().timestamp():
        return None
    found = session.get(Administration, administration_id)
    if found is None or found.token_hash is None:
        return None
    expected = _cookie_signature(administration_id, expires, found.token_hash)
    if not hmac.compare_digest(expected.encode(), parts[2].encode()):
        return None
    return found


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
