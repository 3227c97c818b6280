"""Signing in and out of the counselor pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import service as auth
from app.auth.security import same_secret
from app.db import SessionDep
from app.errors import TooManyAttempts
from app.web import deps
from app.web.deps import CheckedForm, CurrentWebCounselor, PostedForm
from app.web.forms import text
from app.web.templating import render

router = APIRouter()


def _login_page(request: Request, *, next_url: str, email: str = "", error: str | None = None,
                status: int = 200) -> Response:
    """The sign-in form with a fresh pre-session CSRF pair (cookie + signed field)."""
    nonce = deps.new_login_nonce()
    response = render(request, "login.html", {
        "next": next_url, "email": email, "error": error, "login_csrf": deps.login_csrf_for(nonce),
    }, status=status)
    deps.set_login_cookie(response, nonce)
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
        minutes = max(1, round(exc.retry_after / 60))
        response = _login_page(
            request, next_url=next_url, email=email, status=429,
            error=f"Too many failed sign-in attempts. Please wait about {minutes} minute(s) "
                  "and try again, or ask the practice owner to reset your password.")
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if counselor is None:
        # Returned, not raised: the request's transaction commits, so the failure counts.
        return _login_page(request, next_url=next_url, email=email, status=401,
                           error="That email and password don't match. Check them and try again.")
    token = auth.issue_token(session, counselor=counselor, kind="web")
    response = RedirectResponse(next_url, status_code=303)
    deps.set_session_cookie(response, token)
    response.delete_cookie(deps.LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    """Revoke the session server-side, so a copy of the cookie no longer works."""
    auth.revoke_token(session, token=request.cookies.get(deps.SESSION_COOKIE, ""))
    response = RedirectResponse("/login?notice=signed-out", status_code=303)
    deps.clear_session_cookie(response)
    return response
