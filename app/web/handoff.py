"""What a POST hands to the page it redirects to, when that page must show something the
database can't give back: the links just sent, and a passcode reset's one-time code.

A send answers with a redirect (so a reload never sends again), and the links page that follows
must still show each link and code. Links come back from the database (``links.current_link``);
the one-time code is stored only as a hash, so it travels in a short-lived cookie, encrypted
(Fernet, keyed from the app's secret) because it is as good as the client's passcode. The
cookie is HttpOnly, SameSite=Strict, scoped to the links page, and lives ``LIFETIME_SECONDS``:
a reload within that time shows the same page, later it says where to look instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request
from fastapi.responses import Response

from app.config import get_settings

COOKIE = "mend_links_sent"
PATH = "/links/sent"
LIFETIME_SECONDS = 15 * 60


@dataclass(frozen=True)
class Handoff:
    """The administrations just sent (in order), their one-time codes, and the page to go back to."""

    ids: list[int]
    back: str
    codes: dict[int, str] = field(default_factory=dict)


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"links-handoff|{get_settings().secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def keep(response: Response, handoff: Handoff, *, secure: bool) -> Response:
    payload = json.dumps({"ids": handoff.ids, "back": handoff.back,
                          "codes": {str(k): v for k, v in handoff.codes.items()}})
    response.set_cookie(COOKIE, _fernet().encrypt(payload.encode()).decode(), max_age=LIFETIME_SECONDS,
                        path=PATH, httponly=True, samesite="strict", secure=secure)
    return response


def read(request: Request) -> Handoff | None:
    """The handoff this browser holds, or None when it has none, it expired or was tampered with."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        data = json.loads(_fernet().decrypt(value.encode(), ttl=LIFETIME_SECONDS))
        return Handoff(ids=[int(i) for i in data["ids"]], back=str(data["back"]),
                       codes={int(k): str(v) for k, v in data["codes"].items()})
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None
