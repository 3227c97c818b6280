"""Browser sessions for counselor pages: the session cookie, the signed-in counselor, CSRF.

Design (see the module-level constants):

* The session is an opaque token from ``issue_token(kind="web")``, kept in the
  ``mend_session`` cookie (HttpOnly, SameSite=Lax, Secure over https, path ``/``).
  Only its SHA-256 is in the database, and logout revokes it there, so a copied
  cookie stops working the moment its owner signs out.
* Every state-changing form carries ``csrf_token = sign("csrf:" + session token)``,
  checked in constant time. It is tied to the session, so it changes at each login
  and a token taken from another session is useless.
* The login form has no session yet: it uses a *signed double submit*. GET /login
  sets a random ``mend_login_csrf`` cookie and puts ``sign("login:" + cookie)`` in the
  form; POST /login must send both. An ``Origin`` header, when the browser sends
  one, must also be our own host.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.auth.models import Counselor
from app.auth.security import same_secret, sign
from app.auth.service import counselor_for_token
from app.config import get_settings
from app.db import SessionDep
from app.errors import Forbidden
from app.practice.models import Practice

SESSION_COOKIE = "mend_session"
LOGIN_CSRF_COOKIE = "mend_login_csrf"
CSRF_FIELD = "csrf_token"
DEFAULT_NEXT = "/dashboard"


class LoginRequired(Exception):
    """Raised when a page needs a signed-in counselor; answered with a 303 to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.location = f"/login?next={quote(next_url, safe='/')}"


ENROL_PATH = "/account/two-factor"


class EnrolmentRequired(LoginRequired):
    """The practice requires two-factor sign-in and this counselor hasn't turned it on: every
    page but enrolment (and signing out) redirects there, already signed-in browsers included."""

    def __init__(self) -> None:
        super().__init__(ENROL_PATH)
        self.location = ENROL_PATH


class CsrfRejected(Forbidden):
    """A form without a valid CSRF token: nothing is saved."""

    def __init__(self) -> None:
        super().__init__(
            "This form could not be accepted because it was not sent from a current Mend page. "
            "Nothing was saved. Go back, reload the page and try again."
        )


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page, as plain values: error pages render it after the
    request's database session has rolled back and closed."""

    id: int
    full_name: str
    is_owner: bool
    practice_name: str
    timezone: str
    csrf_token: str


def csrf_for(session_token: str) -> str:
    return sign("csrf:" + session_token)


def login_csrf_for(nonce: str) -> str:
    return sign("login:" + nonce)


def new_login_nonce() -> str:
    return secrets.token_urlsafe(32)


def safe_next(value: str | None) -> str:
    """Only a path on this site (``/...``): never ``//host``, a scheme or a backslash trick."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return DEFAULT_NEXT
    if any(ord(ch) < 32 for ch in value):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return value


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE, token, max_age=settings.web_session_minutes * 60, path="/",
        httponly=True, samesite="lax", secure=settings.secure_cookies,
    )


def clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings.secure_cookies)


def set_login_cookie(response: Response, nonce: str) -> None:
    settings = get_settings()
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, max_age=3600, path="/login", httponly=True,
                        samesite="lax", secure=settings.secure_cookies)


def same_origin(request: Request) -> bool:
    """False only when the browser says the form came from another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.url.netloc


def _next_url(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query


def current_web_counselor(request: Request, session: SessionDep) -> Counselor:
    """The counselor signed in through the session cookie, or a redirect to the login page."""
    token = request.cookies.get(SESSION_COOKIE)
    counselor = counselor_for_token(session, token=token, kind="web") if token else None
    if counselor is None or token is None:
        raise LoginRequired(_next_url(request) if request.method == "GET" else DEFAULT_NEXT)
    practice = session.get(Practice, counselor.practice_id)
    if practice is not None and practice.require_two_factor and counselor.totp_enabled_at is None \
            and not request.url.path.startswith((ENROL_PATH, "/logout")):
        raise EnrolmentRequired()
    request.state.viewer = Viewer(
        id=counselor.id or 0, full_name=counselor.full_name, is_owner=counselor.is_owner,
        practice_name=practice.name if practice else "",
        timezone=practice.timezone if practice else "UTC",
        csrf_token=csrf_for(token),
    )
    return counselor


CurrentWebCounselor = Annotated[Counselor, Depends(current_web_counselor)]


async def posted_form(request: Request) -> FormData:
    """The posted form, read before a sync route runs (so the route can stay in a worker thread)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token against the session cookie."""
    form = await request.form()
    token = request.cookies.get(SESSION_COOKIE)
    sent = form.get(CSRF_FIELD)
    if not token or not isinstance(sent, str) or not same_secret(sent, csrf_for(token)):
        raise CsrfRejected()
    if not same_origin(request):
        raise CsrfRejected()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
