"""The way into a private link: the link, then a passcode only the client knows; and the way out.

``GET /q/<token>`` notes the opening (same or new browser), swaps the token for a form cookie
and redirects to ``/q/form``; until the passcode is chosen or given *in this browser*, every
form page is the passcode page, which shows no name, no question and no answer. ``/q/leave``
drops the cookie and shows a neutral page. See ARCHITECTURE.md, "A submission".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.db import SessionDep
from app.errors import Conflict, InvalidField
from app.questionnaires.administrations.links import (
    COOKIE_NAME,
    COOKIE_PATH,
    FormCookie,
    csrf_ok,
    csrf_token,
    open_link,
    read_cookie,
)
from app.questionnaires.administrations.openings import (
    BROWSER_COOKIE,
    browser_key,
    new_browser_cookie,
    note_link_event,
    seen_before,
)
from app.questionnaires.administrations.passcodes import MAX_LENGTH, MIN_LENGTH, check_passcode, choose_passcode
from app.questionnaires.administrations.state import QuestionnaireClosed, accepts_answers
from app.questionnaires.models import Administration
from app.questionnaires.public.pages import invalid, keep_browser_cookie, keep_form_cookie, redirect, render

router = APIRouter(include_in_schema=False)
LOCKED_STATUS = 403


async def read_form(request: Request) -> FormData:
    """Parse the body on the event loop *before* the route runs.

    The routes themselves are sync (run in the threadpool): awaiting inside an async route
    while a transaction is open would hold SQLite's writer lock across the await, and a
    blocking DB call on the event loop would stall every other request.
    """
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def locked_page(request: Request) -> Response:
    return render(request, "locked.html", {}, status_code=LOCKED_STATUS)


def passcode_page(
    request: Request, administration: Administration, *, error: str | None = None, field: str = "passcode",
    status_code: int = 200,
) -> Response:
    """Choose a passcode (first opening) or give it; nothing here says whose link this is."""
    return render(request, "passcode.html", {
        "choose": administration.passcode_hash is None, "csrf": csrf_token(administration),
        "needs_code": administration.passcode_hash is None and administration.reset_code_hash is not None,
        "error": error, "error_field": field, "min_length": MIN_LENGTH, "max_length": MAX_LENGTH,
    }, status_code=status_code)


def thanks_page(request: Request, first_name: str | None, title: str) -> Response:
    """Thank-you page: no answers, no scores, nothing about anyone else."""
    return render(request, "thanks.html", {"first_name": first_name, "title": title})


def form_cookie(request: Request, session: SessionDep) -> FormCookie | None:
    return read_cookie(session, request.cookies.get(COOKIE_NAME, ""))


def closed_or_locked(request: Request, administration: Administration) -> Response | None:
    """The page for a link that can't show its form now, else None."""
    if not accepts_answers(administration):
        return invalid(request)
    if administration.locked_at is not None:
        return locked_page(request)
    return None


def _browser(request: Request) -> tuple[str | None, str | None]:
    """(the stored key of this browser, a new cookie to set when it had none of ours)."""
    key = browser_key(request.cookies.get(BROWSER_COOKIE))
    if key is not None:
        return key, None
    fresh = new_browser_cookie()
    return browser_key(fresh), fresh


@router.get("/q/leave")
def leave(request: Request) -> Response:
    """"Leave quickly": the form cookie goes and a page that says nothing takes this one's place."""
    response = render(request, "left.html", {})
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH)
    return response


@router.post("/q/passcode")
def passcode(request: Request, session: SessionDep, form: FormDep) -> Response:
    current = form_cookie(request, session)
    if current is None:
        return invalid(request)
    administration = current.administration
    if (closed := closed_or_locked(request, administration)) is not None:
        return closed
    if not csrf_ok(administration, str(form.get("_csrf") or "")):
        return render(request, "invalid.html", {"stale": True}, status_code=403)
    browser = browser_key(request.cookies.get(BROWSER_COOKIE))
    given = str(form.get("passcode") or "")
    try:
        if administration.passcode_hash is None:
            return _choose(request, session, administration, given, form, browser)
        return _check(request, session, administration, given, browser)
    except QuestionnaireClosed:
        return invalid(request)


def _choose(
    request: Request, session: SessionDep, administration: Administration, given: str, form: FormData,
    browser: str | None,
) -> Response:
    try:
        chosen = choose_passcode(session, administration=administration, passcode=given,
                                 again=str(form.get("again") or ""), code=str(form.get("code") or ""),
                                 browser=browser)
    except InvalidField as problem:
        if administration.locked_at is not None:  # that wrong code was the last try
            return locked_page(request)
        return passcode_page(request, administration, error=problem.message, field=problem.field, status_code=422)
    except Conflict:  # chosen meanwhile in another tab or browser: ask for it instead
        return redirect("/q/form")
    return keep_form_cookie(redirect("/q/form"), chosen, unlocked=True)


def _check(
    request: Request, session: SessionDep, administration: Administration, given: str, browser: str | None
) -> Response:
    result = check_passcode(session, administration=administration, passcode=given, browser=browser)
    if result.ok:
        return keep_form_cookie(redirect("/q/form"), result.administration, unlocked=True)
    if result.locked:
        return locked_page(request)
    tries = f"{result.tries_left} {'try' if result.tries_left == 1 else 'tries'}"
    return passcode_page(request, result.administration, status_code=422,
                         error=f"That passcode isn't right. {tries} left before this link locks.")


def open_token(token: str, request: Request, session: SessionDep) -> Response:
    """Note the opening, swap the token for a cookie and drop it from the URL (303 to ``/q/form``).

    Registered last by the form router (app/main.py includes this gate's router before it), so
    ``/q/form`` and ``/q/leave`` aren't taken for tokens.
    """
    found = open_link(session, token)
    if found is None:
        return invalid(request)
    browser, fresh = _browser(request)
    note_link_event(session, found, "opened", browser=browser, new_browser=not seen_before(session, found, browser))
    current = form_cookie(request, session)
    unlocked = current is not None and current.administration.id == found.id and current.unlocked
    response = locked_page(request) if found.locked_at is not None else keep_form_cookie(
        redirect("/q/form"), found, unlocked=unlocked)
    if fresh is not None:
        keep_browser_cookie(response, fresh)
    return response
