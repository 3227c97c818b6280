"""Questionnaire pages: send by private link, revoke, resend, read answers, and mark flags dealt
with or reopen them (with a note and a confirmation).

Sending and resending answer with a redirect to ``/links/sent`` (``app.web.handoff``), so a
reload shows the same links and never sends again.

Every operation is the questionnaire service's; these routes only parse forms and render.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service as clients
from app.clients.subjects import Subject, load_subject
from app.config import get_settings
from app.db import SessionDep
from app.errors import InvalidField, NotFound
from app.fields import LINK_DAYS_MAX, parse_id
from app.instruments.catalog import default_catalog
from app.questionnaires.administrations import links, service
from app.questionnaires.administrations.state import REVIEW_STEP
from app.questionnaires.schemas import AdministrationCreate, FlagPublic
from app.questionnaires.submission import flags as flag_service
from app.questionnaires.submission import results
from app.web.deps import CheckedForm, CurrentWebCounselor, safe_next
from app.web.forms import FormErrors, parse, pick, submit_form, text, values_of
from app.web.handoff import LIFETIME_SECONDS, Handoff, keep, read
from app.web.handoff import PATH as handoff_path
from app.web.templating import record_page, render, subject_page, with_notice

router = APIRouter()
FlagAction = Literal["resolve", "reopen"]

OPEN = ("pending", "in_progress")
FIELD_LABELS = {"instrument_id": "Questionnaire", "client_ids": "Who receives it",
                "expires_in_days": "Link valid for"}


def _send_form(request: Request, subject: Subject, values: dict[str, Any], errors: FormErrors,
               status: int = 200) -> Response:
    return render(request, "questionnaires/send.html", {
        "subject": subject, "instruments": service.list_instruments(), "values": values,
        "errors": errors, "labels": FIELD_LABELS, "link_days_max": LINK_DAYS_MAX,
    }, status=status)


def _defaults(session: Session, me: Counselor, subject: Subject) -> dict[str, Any]:
    """A first send form: the questionnaire sent last time (else the first assessment the
    definitions offer), the practice's link length, everyone ticked."""
    catalog = default_catalog()
    last = service.last_given(session, actor=me, subject=subject)
    usual = last if last and catalog.versions(last) else (catalog.of_kind("assessment") or catalog.all())[0].id
    days = service.practice_link_days(session, me)
    return {"instrument_id": usual, "expires_in_days": str(days), "client_ids": [str(p.id) for p in subject.people]}


@router.get("/couples/{couple_id:id}/send")
def send_form(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    subject = load_subject(session, actor=me, couple_id=couple_id)
    return _send_form(request, subject, _defaults(session, me, subject), FormErrors())


@router.get("/clients/{client_id:id}/send")
def client_send_form(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    subject = load_subject(session, actor=me, client_id=client_id)
    return _send_form(request, subject, _defaults(session, me, subject), FormErrors())


def _chosen(form: CheckedForm, subject: Subject) -> list[str]:
    """Who the links are for: the ticked partners, or the client whose page this is."""
    if subject.kind == "client":
        return [str(subject.id)]
    return [v for v in form.getlist("client_ids") if parse_id(v) is not None]


def _requests(form: CheckedForm, subject: Subject) -> tuple[list[AdministrationCreate], FormErrors]:
    """One AdministrationCreate per recipient, or the errors to show."""
    errors = FormErrors()
    ids = _chosen(form, subject)
    if not ids:
        errors.add("client_ids", "Tick at least one partner")
    if not text(form, "instrument_id"):
        errors.add("instrument_id", "Choose a questionnaire")
    made = []
    for client_id in ids or ["0"]:  # "0": still check the other fields when no one is ticked
        data, problems = parse(AdministrationCreate, {
            **pick(form, ("instrument_id", "expires_in_days")), "client_id": client_id,
            "couple_id": subject.couple_id, "mode": "link",
        })
        errors.update(problems)
        if data is not None and ids:
            made.append(data)
    return (made if not errors else []), errors


def _send(request: Request, session: Session, me: Counselor, subject: Subject,
          form: CheckedForm) -> Response:
    """Create the links, then show them on the links page (a redirect: a reload sends nothing).

    All or nothing, in the request's one transaction: when anyone ticked already holds an open
    link to the questionnaire, nobody gets one, and the form says so beside "Who receives it"."""
    requests, errors = _requests(form, subject)

    def save(valid: list[AdministrationCreate]) -> Response:
        made, refused = [], []
        for data in valid:
            try:
                made.append(service.create_administration(session, actor=me, data=data)[0].id)
            except service.LinkAlreadyOpen as exc:
                refused.append(exc.message)
        if refused:
            if len(valid) > 1:
                refused.append("No link was made for anyone: untick who already has one, or deal with their "
                               "open link first, then send again.")
            raise InvalidField("client_id", " ".join(refused))  # submit_form rolls the others back
        return _to_links_page(Handoff(ids=[i for i in made if i is not None], back=subject_page(subject)))

    return submit_form(session, requests or None, errors, save=save,
                       rename={"client_id": "client_ids", "couple_id": "client_ids"},
                       show=lambda problems: _send_form(request, subject, values_of(form), problems, status=422))


@router.post("/couples/{couple_id:id}/send")
def send(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
         form: CheckedForm) -> Response:
    """Links for the ticked partners, in the couple's context."""
    return _send(request, session, me, load_subject(session, actor=me, couple_id=couple_id), form)


@router.post("/clients/{client_id:id}/send")
def client_send(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                form: CheckedForm) -> Response:
    """A link for one client on their own (no couple context)."""
    return _send(request, session, me, load_subject(session, actor=me, client_id=client_id), form)


def _to_links_page(handoff: Handoff) -> Response:
    response = RedirectResponse(handoff_path, status_code=303)
    return keep(response, handoff, secure=get_settings().secure_cookies)


@router.get(handoff_path)
def links_sent(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    """The links just sent, each with its working link and any one-time code; a reload shows the
    same page, and once the handoff has expired the page says where to look instead."""
    handoff = read(request)
    sent = []
    for administration_id in handoff.ids if handoff else []:
        try:
            administration = service.get_administration(session, actor=me, administration_id=administration_id)
        except NotFound:
            continue  # no longer in this counselor's caseload
        link = links.current_link(administration) if administration.status in OPEN else None
        sent.append({"administration": administration, "link": link, "code": handoff.codes.get(administration_id),
                     "client": clients.get_client(session, actor=me, client_id=administration.client_id)})
    back = handoff.back if handoff else "/dashboard"
    titles = {a.id: a.title for a in service.public_list(session, [row["administration"] for row in sent])}
    return render(request, "questionnaires/links.html", {
        "sent": sent, "titles": titles, "back": back, "minutes": LIFETIME_SECONDS // 60,
        "where": "the couple's page" if back.startswith("/couples/") else "the client's page",
    })


@router.post("/administrations/{administration_id:id}/revoke")
def revoke(administration_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    administration = service.revoke_administration(session, actor=me, administration_id=administration_id)
    back = record_page(administration.couple_id, administration.client_id)
    return RedirectResponse(f"{back}?notice=link-revoked#links-h", status_code=303)


@router.post("/administrations/{administration_id:id}/resend")
def resend(administration_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
           form: CheckedForm) -> Response:
    """A new link (the old one stops working), shown like a first send, with the one-time code
    when the passcode was reset over saved answers."""
    reset = True if text(form, "reset_passcode") == "yes" else None
    administration, _, code = service.resend_link(session, actor=me, administration_id=administration_id,
                                                     reset_passcode=reset)
    back = record_page(administration.couple_id, administration.client_id)
    assert administration.id is not None
    return _to_links_page(Handoff(ids=[administration.id], back=back,
                                  codes={administration.id: code} if code else {}))


@router.get("/administrations/{administration_id:id}")
def answers_page(administration_id: int, request: Request, session: SessionDep,
                 me: CurrentWebCounselor) -> Response:
    """A client's answers item by item, with scores and flags (reading is audited). A link the
    client has not sent yet shows how far they got and any flags, never an answer."""
    answers = results.read_answers(session, actor=me, administration_id=administration_id)
    a = answers.administration
    client = clients.get_client(session, actor=me, client_id=a.client_id)
    definition = default_catalog().get(a.instrument_id, a.instrument_version)
    sections = [s.id for s in definition.sections]
    reached = (len(sections) if a.current_section == REVIEW_STEP
               else sections.index(a.current_section) + 1 if a.current_section in sections else None)
    return render(request, "questionnaires/answers.html", {
        "data": answers, "client": client, "definition": definition,
        "subscale_labels": {sid: s.label for sid, s in definition.subscales.items()},
        "reached": reached, "at_review": a.current_section == REVIEW_STEP,
        "back": record_page(a.couple_id, client.id or 0),
    })


# --- flags: dealt with, reopened ----------------------------------------------------------

REVIEW_LABELS = {"note": "Note", "confirm": "Confirm"}
REVIEW_TITLES = {"resolve": "Mark a flag as dealt with", "reopen": "Reopen a flag"}


def _review_page(request: Request, flag: FlagPublic, action: str, *, back: str, values: dict[str, Any],
                 errors: FormErrors, status: int = 200) -> Response:
    return render(request, "questionnaires/flag_review.html", {
        "flag": flag, "action": action, "title": REVIEW_TITLES[action], "back": back,
        "values": values, "errors": errors, "labels": REVIEW_LABELS,
    }, status=status)


def _review_form(session: Session, me: Counselor, request: Request, flag_id: int, action: str) -> Response:
    flag = flag_service.get_flag(session, actor=me, flag_id=flag_id)
    back = safe_next(request.query_params.get("back"))
    return _review_page(request, flag, action, back=back, values={}, errors=FormErrors())


def _review(session: Session, me: Counselor, request: Request, flag_id: int, action: str,
            form: CheckedForm) -> Response:
    """Check the box and the note, then resolve or reopen; a problem shows the form again (422)."""
    flag = flag_service.get_flag(session, actor=me, flag_id=flag_id)  # another caseload: 404 first
    back = safe_next(text(form, "back"))
    errors = FormErrors()
    note = text(form, "note")
    try:
        flag_service.checked_note(note)
    except InvalidField as exc:
        errors.add("note", exc.message)
    if text(form, "confirm") != "yes":
        errors.add("confirm", "Tick the box to confirm")
    change = flag_service.resolve_flag if action == "resolve" else flag_service.reopen_flag

    def save(valid: str) -> Response:
        change(session, actor=me, flag_id=flag_id, note=valid)
        notice = "flag-resolved" if action == "resolve" else "flag-reopened"
        return RedirectResponse(with_notice(back, notice), status_code=303)

    return submit_form(session, note if not errors else None, errors, save=save, show=lambda problems: _review_page(
        request, flag, action, back=back, values={"note": note}, errors=problems, status=422))


@router.get("/flags/{flag_id:id}/{action}")
def review_form(flag_id: int, action: FlagAction, request: Request, session: SessionDep,
                me: CurrentWebCounselor) -> Response:
    """The confirmation step (resolve or reopen), on a page of its own (the lists also hold it, folded)."""
    return _review_form(session, me, request, flag_id, action)


@router.post("/flags/{flag_id:id}/{action}")
def review_flag(flag_id: int, action: FlagAction, request: Request, session: SessionDep, me: CurrentWebCounselor,
                form: CheckedForm) -> Response:
    return _review(session, me, request, flag_id, action, form)
