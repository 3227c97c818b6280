"""The public questionnaire form at ``/q``: no account, no JavaScript needed, one section per page.

The way in (link, then passcode) and the way out are in ``gate.py``; every form route here
first asks the gate whether this browser may see the form. Each page POST saves what was
valid on that page before anything else, so closing the tab loses nothing. Every link that
can't be used (unknown, expired, revoked, already submitted) gets the same page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.clients.models import Client
from app.config import get_settings
from app.db import SessionDep
from app.instruments.answers import answer_text, missing_required, parse_section
from app.instruments.models import Definition
from app.practice.models import Practice
from app.practice.service import support_text
from app.questionnaires.administrations.links import FormCookie, csrf_ok, csrf_token
from app.questionnaires.administrations.state import REVIEW_STEP, QuestionnaireClosed, definition_for
from app.questionnaires.models import Administration
from app.questionnaires.public import form_view, gate
from app.questionnaires.public.pages import ASSETS, asset, invalid, keep_form_cookie, redirect, render
from app.questionnaires.submission.answering import AnswersInvalid, load_answers, save_answers, submit
from app.scoring.flags import needs_support

router = APIRouter(include_in_schema=False)


def _first_name(session: SessionDep, administration: Administration) -> str:
    client = session.get(Client, administration.client_id)
    return (client.preferred_name or client.first_name) if client else ""


@router.get("/q-static/{name}")
def static_asset(name: str) -> Response:
    if name not in ASSETS:
        return Response("Not found", status_code=404, media_type="text/plain")
    data, _ = asset(name)
    # The URL carries a content hash, so it can be cached for a year and never go stale.
    return Response(data, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=31536000, immutable"})


def _let_in(request: Request, session: SessionDep, *, posting: bool = False) -> FormCookie | Response:
    """The form this browser may see, or the page to show instead (gone, thanks, locked, passcode)."""
    current = gate.form_cookie(request, session)
    if current is None:
        return invalid(request)
    administration = current.administration
    if administration.status == "submitted":  # a second submit just says thank you
        name = _first_name(session, administration) if current.unlocked else None
        return gate.thanks_page(request, name, definition_for(administration).title)
    if (closed := gate.closed_or_locked(request, administration)) is not None:
        return closed
    if not current.unlocked:  # a post without the passcode saves nothing: back to the passcode page
        return redirect("/q/form") if posting else gate.passcode_page(request, administration)
    return current


@router.get("/q/form")
def show_form(
    request: Request, session: SessionDep, page: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    current = _let_in(request, session)
    if isinstance(current, Response):
        return current
    administration = current.administration
    definition = definition_for(administration)
    step = form_view.step_for(definition, page, administration.current_section)
    answers = load_answers(session, administration.id)  # type: ignore[arg-type]
    # Support shows from the saved answers, never from the address: a URL saying so would stay
    # in the browser's history for whoever picks up the phone.
    response = _page(request, session, administration, step, answers, {}, support=needs_support(definition, answers))
    return keep_form_cookie(response, administration, unlocked=True)  # idle time starts again


@router.post("/q/form")
def save_form(request: Request, session: SessionDep, form: gate.FormDep) -> Response:
    current = _let_in(request, session, posting=True)
    if isinstance(current, Response):
        return current
    administration = current.administration
    if not csrf_ok(administration, str(form.get("_csrf") or "")):
        return render(request, "invalid.html", {"stale": True}, status_code=403)
    section_id, action = str(form.get("_section") or ""), str(form.get("_action") or "next")
    if section_id == REVIEW_STEP:
        response = _review_action(request, session, administration, action, form.get("share_scores") == "yes")
    else:
        response = _section_action(request, session, administration, section_id, action, form)
    return keep_form_cookie(response, administration, unlocked=True)


# Last: /q/form here and /q/leave in the gate (included before this router) aren't tokens.
router.add_api_route("/q/{token}", gate.open_token, methods=["GET"])


# --- page actions -------------------------------------------------------------------


def _section_action(
    request: Request, session: SessionDep, administration: Administration, section_id: str, action: str,
    form: FormData,
) -> Response:
    definition = definition_for(administration)
    step = form_view.step_of_section(definition, section_id)
    if step is None or step.section is None:
        return redirect("/q/form")
    sent = {key: form.getlist(key) for key in form if not key.startswith("_")}
    values, errors = parse_section(definition, section_id, sent)  # type: ignore[arg-type]
    valid = {item_id: value for item_id, value in values.items() if item_id not in errors}
    if action != "back":
        errors = {**missing_required(definition, values, section_id), **errors}
    next_key = REVIEW_STEP if step.number == len(definition.sections) else definition.sections[step.number].id
    forward = not errors and action != "back"
    try:  # saved before anything else, so a closed tab loses nothing valid (and a safety answer is told now)
        locked = save_answers(session, administration_id=administration.id,  # type: ignore[arg-type]
                              values=valid, reached=next_key if forward else None)
    except QuestionnaireClosed as closed:
        gone = closed.administration
        if gone is not None and gone.status == "submitted":
            return gate.thanks_page(request, _first_name(session, gone), definition.title)
        return invalid(request)
    if errors:
        return _page(request, session, locked, step, values, errors, status_code=422,
                     support=needs_support(definition, load_answers(session, locked.id)))  # type: ignore[arg-type]
    page = max(step.number - 1, 1) if action == "back" else ("review" if next_key == REVIEW_STEP else step.number + 1)
    return redirect(f"/q/form?page={page}")


def _review_action(
    request: Request, session: SessionDep, administration: Administration, action: str, share_scores: bool
) -> Response:
    if action == "back":
        return redirect(f"/q/form?page={len(definition_for(administration).sections)}")
    try:
        submit(session, administration_id=administration.id, actor=None,  # type: ignore[arg-type]
               share_scores=share_scores)
    except AnswersInvalid as missing:
        definition = definition_for(administration)
        review = form_view.steps(definition)[-1]
        answers = load_answers(session, administration.id)  # type: ignore[arg-type]
        return _page(request, session, administration, review, answers, missing.errors, status_code=422,
                     share_scores=share_scores)
    return redirect("/q/form")


# --- rendering ----------------------------------------------------------------------


def _page(
    request: Request, session: SessionDep, administration: Administration, step: form_view.Step,
    values: dict[str, Any], errors: dict[str, str], status_code: int = 200, *, support: bool = False,
    share_scores: bool = False,
) -> Response:
    definition = definition_for(administration)
    context: dict[str, Any] = {
        "title": definition.title, "description": definition.description, "step": step,
        "first_name": _first_name(session, administration), "csrf": csrf_token(administration),
        "review_section": REVIEW_STEP, "idle_minutes": get_settings().link_idle_minutes,
        "support_text": support_text(session.get(Practice, administration.practice_id)) if support else None,
    }
    if step.section is None:
        context["sections"] = _review_sections(definition, values, errors)
        context["summary"] = _review_summary(definition, errors)
        # Only in a couple's context: a client in individual work has no joint report to share with.
        context["asks_to_share"] = bool(definition.subscales) and administration.couple_id is not None
        context["share_scores"] = share_scores
        return render(request, "review.html", context, status_code)
    fields = form_view.fields(definition, step.section, values, errors)
    context["fields"] = fields
    context["summary"] = [(f.first_input_id, f.text, f.error) for f in fields if f.error]
    return render(request, "section.html", context, status_code)


def _review_sections(definition: Definition, answers: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
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


def _review_summary(definition: Definition, errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """Links from the error summary to the page holding each missing answer."""
    summary = []
    for step in form_view.steps(definition):
        if step.section is None:
            continue
        for item in step.section.items:
            if item.id in errors:
                summary.append((f"r-{item.id}", item.text, f"{errors[item.id]} (page {step.number})"))
    return summary
