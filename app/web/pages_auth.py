"""Signing in and out of the counselor pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import service as auth
from app.auth import two_factor
from app.auth.models import Counselor
from app.auth.security import same_secret
from app.db import SessionDep
from app.errors import TooManyAttempts
from app.web import deps
from app.web.deps import CheckedForm, CurrentWebCounselor, PostedForm
from app.web.forms import text
from app.web.templating import render

router = APIRouter()


def _login_page(request: Request, *, next_url: str, email: str = "", error: str | None = None,
                status: int = 200, pending: str | None = None) -> Response:
    """The sign-in form with a fresh pre-session CSRF pair (cookie + signed field); with
    ``pending`` (a right password, two-factor on) the second step, asking for the code."""
    nonce = deps.new_login_nonce()
    response = render(request, "login.html", {
        "next": next_url, "email": email, "error": error, "login_csrf": deps.login_csrf_for(nonce),
        "pending": pending,
    }, status=status)
    deps.set_login_cookie(response, nonce)
    return response


def _too_many(request: Request, exc: TooManyAttempts, *, next_url: str, email: str) -> Response:
    minutes = max(1, round(exc.retry_after / 60))
    response = _login_page(
        request, next_url=next_url, email=email, status=429,
        error=f"Too many failed sign-in attempts. Please wait about {minutes} minute(s) "
              "and try again, or ask the practice owner to reset your password.")
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _signed_in(session: SessionDep, counselor: Counselor, next_url: str) -> Response:
    """Issue the browser session; a counselor who must still enrol goes straight to enrolment."""
    token = auth.issue_token(session, counselor=counselor, kind="web")
    if two_factor.must_enrol(session, counselor):
        next_url = deps.ENROL_PATH
    response = RedirectResponse(next_url, status_code=303)
    deps.set_session_cookie(response, token)
    response.delete_cookie(deps.LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.get("/login")
def login_form(request: Request, session: SessionDep,
               next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    token = request.cookies.get(deps.SESSION_COOKIE)
    if token and auth.counselor_for_token(session, token=token, kind="web"):
        return RedirectResponse(deps.safe_next(next), status_code=303)
    return _login_page(request, next_url=deps.safe_next(next))


def _login_csrf_ok(request: Request, sent: str) -> bool:
    nonce = request.cookies.get(deps.LOGIN_CSRF_COOKIE)
    return bool(nonce and sent) and same_secret(sent, deps.login_csrf_for(nonce or "")) \
        and deps.same_origin(request)


@router.post("/login")
def login(request: Request, session: SessionDep, form: PostedForm) -> Response:
    """Check the pre-session CSRF pair, then the password (throttled by auth.authenticate)."""
    email, password = text(form, "email"), text(form, "password")
    next_url = deps.safe_next(text(form, "next"))
    if not _login_csrf_ok(request, text(form, "csrf_token")):
        return _login_page(request, next_url=next_url, email=email, status=403,
                           error="This sign-in form had expired. Please enter your details again.")
    if not email or not password:
        return _login_page(request, next_url=next_url, email=email, status=422,
                           error="Enter your email address and password.")
    address = request.client.host if request.client else None
    try:
        counselor = auth.authenticate(session, email=email, password=password, address=address)
    except TooManyAttempts as exc:
        return _too_many(request, exc, next_url=next_url, email=email)
    if counselor is None:
        # Returned, not raised: the request's transaction commits, so the failure counts.
        return _login_page(request, next_url=next_url, email=email, status=401,
                           error="That email and password don't match. Check them and try again.")
    if two_factor.is_enabled(counselor):
        # No session yet: the code form carries a short-lived signed value instead.
        return _login_page(request, next_url=next_url, pending=two_factor.pending_value(counselor))
    return _signed_in(session, counselor, next_url)


@router.post("/login/code")
def login_code(request: Request, session: SessionDep, form: PostedForm) -> Response:
    """The second step: a current code or a recovery code, throttled like passwords."""
    next_url = deps.safe_next(text(form, "next"))
    if not _login_csrf_ok(request, text(form, "csrf_token")):
        return _login_page(request, next_url=next_url, status=403,
                           error="This sign-in form had expired. Please enter your details again.")
    counselor = two_factor.counselor_for_pending(session, text(form, "pending"))
    if counselor is None:
        return _login_page(request, next_url=next_url, status=401,
                           error="The sign-in took too long or has changed. "
                                 "Please enter your email and password again.")
    address = request.client.host if request.client else None
    try:
        auth.check_throttle(session, email=counselor.email, address=address)
    except TooManyAttempts as exc:
        return _too_many(request, exc, next_url=next_url, email=counselor.email)
    pending = two_factor.pending_value(counselor)
    code = text(form, "code")
    if not code:
        return _login_page(request, next_url=next_url, pending=pending, status=422,
                           error="Enter the 6-digit code from your authenticator app, or a recovery code.")
    if not two_factor.check_code(session, counselor=counselor, code=code):
        auth.note_failure(session, email=counselor.email, address=address)
        # Returned, not raised, so the failure and its audit event are committed.
        return _login_page(request, next_url=next_url, pending=pending, status=401,
                           error="That code didn't work, or it was already used. Wait for the next code and try again.")
    auth.clear_failures(session, email=counselor.email)
    return _signed_in(session, counselor, next_url)


@router.post("/logout")
def logout(request: Request, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    """Revoke the session server-side, so a copy of the cookie no longer works."""
    auth.revoke_token(session, token=request.cookies.get(deps.SESSION_COOKIE, ""))
    response = RedirectResponse("/login?notice=signed-out", status_code=303)
    deps.clear_session_cookie(response)
    return response
