"""The public questionnaire form at ``/q``: no account, no JavaScript, one section per page.

``GET /q/<token>`` swaps the token for a signed cookie and redirects to ``/q/form`` so the
token never stays in the address bar, history or a Referer. Each page POST saves what was
valid on that page before anything else, so closing the tab loses nothing. Every link
that can't be used (unknown, expired, revoked, already submitted) gets the same page.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from app.clients.models import Client
from app.config import get_settings
from app.db import SessionDep
from app.instruments.answers import answer_text, missing_required, parse_section
from app.questionnaires.administrations.links import (
    COOKIE_NAME,
    COOKIE_PATH,
    administration_for_cookie,
    cookie_value,
    csrf_ok,
    csrf_token,
    open_link,
)
from app.questionnaires.administrations.state import (
    REVIEW_STEP,
    QuestionnaireClosed,
    accepts_answers,
    definition_for,
)
from app.questionnaires.models import Administration
from app.questionnaires.public import form_view
from app.questionnaires.submission.answering import AnswersInvalid, load_answers, save_answers, submit

HERE = Path(__file__).parent
STYLESHEET = HERE / "static" / "form.css"
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)

PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
INVALID_STATUS = 404  # one status for unknown, expired, revoked and used links alike


@lru_cache(maxsize=1)
def _stylesheet() -> tuple[bytes, str]:
    data = STYLESHEET.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    context = {"css_url": f"/q-static/form.css?v={_stylesheet()[1]}", **context}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(PAGE_HEADERS)
    return response


def _invalid(request: Request) -> Response:
    """The one calm page for every link that can't be used; it names no one."""
    response = _render(request, "invalid.html", {}, status_code=INVALID_STATUS)
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH)
    return response


def _redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers.update(PAGE_HEADERS)
    return response


def _first_name(session: SessionDep, administration: Administration) -> str:
    client = session.get(Client, administration.client_id)
    return (client.preferred_name or client.first_name) if client else ""


@router.get("/q-static/form.css")
def stylesheet() -> Response:
    data, _ = _stylesheet()
    # The URL carries a content hash, so it can be cached for a year and never go stale.
    return Response(data, media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/q/form")
def show_form(
    request: Request, session: SessionDep, page: Annotated[str | None, Query(max_length=10)] = None
) -> Response:
    cookie = request.cookies.get(COOKIE_NAME, "")
    administration = administration_for_cookie(session, cookie)
    if administration is None:
        return _invalid(request)
    if administration.status == "submitted":
        return _thanks(request, session, administration)
    if not accepts_answers(administration):
        return _invalid(request)
    definition = definition_for(administration)
    step = form_view.step_for(definition, page, administration.current_section)
    answers = load_answers(session, administration.id)  # type: ignore[arg-type]
    return _page(request, session, administration, step, answers, {})


async def _read_form(request: Request) -> FormData:
    """Parse the body on the event loop *before* the route runs.

    The route itself is sync (run in the threadpool): awaiting inside an async route
    while a transaction is open would hold SQLite's writer lock across the await, and a
    blocking DB call on the event loop would stall every other request.
    """
    return await request.form()


@router.post("/q/form")
def save_form(request: Request, session: SessionDep, form: Annotated[FormData, Depends(_read_form)]) -> Response:
    cookie = request.cookies.get(COOKIE_NAME, "")
    administration = administration_for_cookie(session, cookie)
    if administration is None:
        return _invalid(request)
    if administration.status == "submitted":
        return _thanks(request, session, administration)  # a second submit just says thank you
    if not accepts_answers(administration):
        return _invalid(request)
    if not csrf_ok(administration, str(form.get("_csrf") or "")):
        return _render(request, "invalid.html", {"stale": True}, status_code=403)
    section_id, action = str(form.get("_section") or ""), str(form.get("_action") or "next")
    if section_id == REVIEW_STEP:
        return _review_action(request, session, administration, action)
    return _section_action(request, session, administration, section_id, action, form)


@router.get("/q/{token}")
def open_token(token: str, request: Request, session: SessionDep) -> Response:
    """Swap the token for a cookie and drop it from the URL (303 to ``/q/form``)."""
    administration = open_link(session, token)
    if administration is None:
        return _invalid(request)
    response = _redirect("/q/form")
    response.set_cookie(
        COOKIE_NAME, cookie_value(administration), max_age=get_settings().link_cookie_minutes * 60,
        path=COOKIE_PATH, httponly=True, samesite="strict", secure=get_settings().secure_cookies,
    )
    return response


# --- page actions -------------------------------------------------------------------


def _section_action(
    request: Request, session: SessionDep, administration: Administration, section_id: str, action: str,
    form: FormData,
) -> Response:
    definition = definition_for(administration)
    step = form_view.step_of_section(definition, section_id)
    if step is None or step.section is None:
        return _redirect("/q/form")
    sent = {key: form.getlist(key) for key in form if not key.startswith("_")}
    values, errors = parse_section(definition, section_id, sent)  # type: ignore[arg-type]
    valid = {item_id: value for item_id, value in values.items() if item_id not in errors}
    if action != "back":
        errors = {**missing_required(definition, values, section_id), **errors}
    next_key = REVIEW_STEP if step.number == len(definition.sections) else definition.sections[step.number].id
    forward = not errors and action != "back"
    try:  # saved before anything else, so a closed tab loses nothing valid
        locked = save_answers(session, administration_id=administration.id,  # type: ignore[arg-type]
                              values=valid, reached=next_key if forward else None)
    except QuestionnaireClosed as closed:
        gone = closed.administration
        return _thanks(request, session, gone) if gone and gone.status == "submitted" else _invalid(request)
    if errors:
        return _page(request, session, locked, step, values, errors, status_code=422)
    if action == "back":
        return _redirect(f"/q/form?page={max(step.number - 1, 1)}")
    return _redirect(f"/q/form?page={'review' if next_key == REVIEW_STEP else step.number + 1}")


def _review_action(request: Request, session: SessionDep, administration: Administration, action: str) -> Response:
    if action == "back":
        return _redirect(f"/q/form?page={len(definition_for(administration).sections)}")
    try:
        submit(session, administration_id=administration.id, actor=None)  # type: ignore[arg-type]
    except AnswersInvalid as missing:
        definition = definition_for(administration)
        review = form_view.steps(definition)[-1]
        answers = load_answers(session, administration.id)  # type: ignore[arg-type]
        return _page(request, session, administration, review, answers, missing.errors, status_code=422)
    return _redirect("/q/form")


# --- rendering ----------------------------------------------------------------------


def _page(
    request: Request, session: SessionDep, administration: Administration, step: form_view.Step,
    values: dict[str, Any], errors: dict[str, str], status_code: int = 200,
) -> Response:
    definition = definition_for(administration)
    context: dict[str, Any] = {
        "title": definition.title, "description": definition.description, "step": step,
        "first_name": _first_name(session, administration), "csrf": csrf_token(administration),
        "review_section": REVIEW_STEP,
    }
    if step.section is None:
        context["sections"] = _review_sections(definition, values, errors)
        context["summary"] = _review_summary(definition, errors)
        return _render(request, "review.html", context, status_code)
    fields = form_view.fields(definition, step.section, values, errors)
    context["fields"] = fields
    context["summary"] = [(f.first_input_id, f.text, f.error) for f in fields if f.error]
    return _render(request, "section.html", context, status_code)


def _review_sections(definition: Any, answers: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "title": step.section.title, "page": step.key,
            "rows": [
                {"id": item.id, "text": item.text, "answer": answer_text(definition, item, answers.get(item.id)),
                 "missing": item.id in errors}
                for item in step.section.items
            ],
        }
        for step in form_view.steps(definition) if step.section is not None
    ]


def _review_summary(definition: Any, errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """Links from the error summary to the page holding each missing answer."""
    summary = []
    for step in form_view.steps(definition):
        if step.section is None:
            continue
        for item in step.section.items:
            if item.id in errors:
                summary.append((f"r-{item.id}", item.text, f"{errors[item.id]} (page {step.number})"))
    return summary


def _thanks(request: Request, session: SessionDep, administration: Administration) -> Response:
    """Thank-you page: no answers, no scores, nothing about anyone else."""
    return _render(request, "thanks.html", {"first_name": _first_name(session, administration),
                                             "title": definition_for(administration).title})
