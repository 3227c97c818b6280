"""The counselor's own account: two-factor sign-in (enrol, recovery codes, turn off) and their
live sessions and tokens (see and end them).

The QR code is drawn here as inline SVG (segno), so no image service sees the secret and the
page's CSP needs nothing extra. Recovery codes are shown once: the POST that makes them hands
them to the page it redirects to in a short-lived encrypted cookie (Fernet, keyed from the app
secret), scoped to that page; "I've saved them" drops it.
"""

from __future__ import annotations

import hashlib
import json
from base64 import urlsafe_b64encode

import segno
from cryptography.fernet import Fernet, InvalidToken
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import service as auth
from app.auth import two_factor
from app.auth.models import Counselor
from app.auth.security import token_hash, verify_password
from app.config import get_settings
from app.db import SessionDep
from app.errors import TooManyAttempts
from app.web import deps
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import text
from app.web.templating import render

router = APIRouter()

CODES_PATH = "/account/two-factor/recovery-codes"
CODES_COOKIE = "mend_recovery_codes"
CODES_SECONDS = 10 * 60
DONE = {  # ?done=… notices: a fixed list, so a URL can't put text on a page
    "ended": "That session has ended.",
    "disabled": "Two-factor sign-in is off. Your recovery codes no longer work.",
    "saved": "Two-factor sign-in is on.",
}


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


# --- your account and your sessions ---------------------------------------------------------


@router.get("/account")
def account_page(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    current = token_hash(request.cookies.get(deps.SESSION_COOKIE, ""))
    tokens = [(row, row.token_hash == current) for row in auth.own_tokens(session, counselor=me)]
    return render(request, "account/index.html", {
        "account": me, "two_factor_on": two_factor.is_enabled(me), "tokens": tokens, "done": _done(request),
    })


@router.post("/account/sessions/{token_id:id}/end")
def end_session(token_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                form: CheckedForm) -> Response:
    ended = auth.end_own_token(session, counselor=me, token_id=token_id)
    if ended.token_hash == token_hash(request.cookies.get(deps.SESSION_COOKIE, "")):
        response = RedirectResponse("/login?notice=signed-out", status_code=303)
        deps.clear_session_cookie(response)
        return response
    return RedirectResponse("/account?done=ended", status_code=303)


# --- two-factor sign-in ----------------------------------------------------------------------


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (presentation attributes only, no style)."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", title="QR code for your authenticator app")


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _two_factor_page(request: Request, session: Session, me: Counselor, *, error: str | None = None,
                     status: int = 200) -> Response:
    enabled = two_factor.is_enabled(me)
    context = {
        "enabled": enabled, "enrolling": not enabled and bool(me.totp_secret), "error": error,
        "required": two_factor.practice_requires(session, me.practice_id), "done": _done(request),
    }
    if enabled:
        context["codes_left"] = two_factor.recovery_codes_left(session, counselor=me)
    elif me.totp_secret:
        context |= {"qr": qr_svg(two_factor.provisioning_uri(me)), "secret": _grouped(me.totp_secret)}
    return render(request, "account/two_factor.html", context, status=status)


@router.get("/account/two-factor")
def two_factor_page(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _two_factor_page(request, session, me)


@router.post("/account/two-factor/start")
def two_factor_start(session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    two_factor.start_enrolment(session, counselor=me)
    return RedirectResponse(deps.ENROL_PATH, status_code=303)


@router.post("/account/two-factor/confirm")
def two_factor_confirm(request: Request, session: SessionDep, me: CurrentWebCounselor,
                       form: CheckedForm) -> Response:
    codes = two_factor.confirm_enrolment(session, counselor=me, code=text(form, "code"))
    if codes is None:
        return _two_factor_page(request, session, me, status=422, error=(
            "That code didn't match. Check the time on your phone, wait for the next code and enter it."))
    return _hand_codes(me, codes)


def _second_check(request: Request, session: Session, me: Counselor, form: CheckedForm,
                  purpose: str) -> str | None:
    """A current code or the password, throttled like sign-in; None when it passed, else the error."""
    address = request.client.host if request.client else None
    try:
        auth.check_throttle(session, email=me.email, address=address)
    except TooManyAttempts:
        return "Too many wrong codes or passwords. Please wait a few minutes and try again."
    code, password = text(form, "code"), form.get("password")
    if code:
        if two_factor.check_code(session, counselor=me, code=code, purpose=purpose):
            return None
    elif isinstance(password, str) and password:
        stored = me.password_hash
        session.commit()  # never hold the writer lock across the argon2 hash (auth.authenticate)
        if verify_password(stored, password):
            return None
    else:
        return "Enter a current code from your authenticator app, or your password."
    auth.note_failure(session, email=me.email, address=address)
    return "That code or password didn't work. Nothing was changed."


@router.post("/account/two-factor/disable")
def two_factor_disable(request: Request, session: SessionDep, me: CurrentWebCounselor,
                       form: CheckedForm) -> Response:
    if not two_factor.is_enabled(me):
        return RedirectResponse(deps.ENROL_PATH, status_code=303)
    error = _second_check(request, session, me, form, "disable")
    if error:  # returned, not raised: the failure is committed and counts
        return _two_factor_page(request, session, me, status=422, error=error)
    two_factor.disable(session, counselor=me)
    return RedirectResponse(f"{deps.ENROL_PATH}?done=disabled", status_code=303)


@router.post(CODES_PATH)
def recovery_codes_renew(request: Request, session: SessionDep, me: CurrentWebCounselor,
                         form: CheckedForm) -> Response:
    if not two_factor.is_enabled(me):
        return RedirectResponse(deps.ENROL_PATH, status_code=303)
    error = _second_check(request, session, me, form, "recovery_codes")
    if error:
        return _two_factor_page(request, session, me, status=422, error=error)
    return _hand_codes(me, two_factor.regenerate_recovery_codes(session, counselor=me))


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"recovery-codes-handoff|{get_settings().secret_key}".encode()).digest()
    return Fernet(urlsafe_b64encode(digest))


def _hand_codes(me: Counselor, codes: list[str]) -> Response:
    response = RedirectResponse(CODES_PATH, status_code=303)
    value = _fernet().encrypt(json.dumps({"c": me.id, "codes": codes}).encode()).decode()
    response.set_cookie(CODES_COOKIE, value, max_age=CODES_SECONDS, path=CODES_PATH, httponly=True,
                        samesite="strict", secure=get_settings().secure_cookies)
    return response


@router.get(CODES_PATH)
def recovery_codes_page(request: Request, me: CurrentWebCounselor) -> Response:
    codes: list[str] = []
    try:
        held = json.loads(_fernet().decrypt(request.cookies.get(CODES_COOKIE, ""), ttl=CODES_SECONDS))
        if held.get("c") == me.id:
            codes = list(held.get("codes") or [])
    except (InvalidToken, ValueError):
        pass
    return render(request, "account/recovery_codes.html", {"codes": codes})


@router.post(f"{CODES_PATH}/saved")
def recovery_codes_saved(me: CurrentWebCounselor, form: CheckedForm) -> Response:
    response = RedirectResponse(f"{deps.ENROL_PATH}?done=saved", status_code=303)
    response.delete_cookie(CODES_COOKIE, path=CODES_PATH)
    return response
