"""Session pages: list, record or plan, the session's page, attendance (planned -> held,
cancelled or no-show), addenda, check-ins. The note form, corrections and deleting a draft are
in ``pages_session_edit``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service as clients
from app.clients.service import couples_public
from app.clients.subjects import load_subject
from app.db import SessionDep
from app.errors import InvalidField
from app.fields import parse_id
from app.reports.core.formatting import label
from app.sessions import agreements, service
from app.sessions.models import MODALITIES
from app.sessions.schemas import AddendumCreate, CheckInCreate, SessionCreate, SessionUpdate
from app.web import lookups
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form, text, values_of
from app.web.paging import pager
from app.web.templating import render

router = APIRouter()

NOTE_FIELDS = ("note_data", "note_assessment", "note_plan")
#: The note's fields as every form that holds them labels them.
NOTE_LABELS = {"note_data": "Data", "note_assessment": "Assessment", "note_plan": "Plan"}
#: Each form's fields named as that form labels them, so a message names the field the eye finds.
#: Recording and planning a session:
FIELD_LABELS = {
    "starts_at": "Date and time", "duration_minutes": "Length in minutes", "modality": "Where",
    "attendee_ids": "Who attended", **NOTE_LABELS,
}
#: The session's page: marking attendance, the note (its sign box), an addendum.
PAGE_LABELS = {
    "attendee_ids": "Who attended", "attendance": "Attendance", **NOTE_LABELS, "confirm": "Sign the note",
    "text": "Add an addendum",
}
#: What the buttons on a session's page may set (planned is set by planning a session).
MARKS = ("held", "cancelled", "no_show")


@router.get("/sessions")
def sessions_list(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    q = request.query_params.get("q", "").strip()[:100]
    couple = request.query_params.get("couple", "")
    couple_id = parse_id(couple)
    page = pager(request)
    rows, total = service.list_sessions(session, actor=me, couple_id=couple_id, client_id=None,
                                        q=q or None, offset=page.offset, limit=page.per_page)
    return render(request, "sessions/list.html", {
        "sessions": rows, "page": page.with_total(total), "q": q,
        "names": lookups.session_names(session, rows),
    })


def _new_form(request: Request, session: Session, me: Counselor, couple_id: int,
              values: dict[str, Any], errors: FormErrors, status: int = 200, *,
              template: str = "sessions/new.html") -> Response:
    couple = couples_public(session, [clients.get_couple(session, actor=me, couple_id=couple_id)])[0]
    subject = load_subject(session, actor=me, couple_id=couple_id)
    return render(request, template, {
        "couple": couple, "subject": subject, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "modalities": [(m, label(m)) for m in MODALITIES],
        "safety": lookups.safety_warnings(session, me, subject),
    }, status=status)


@router.get("/couples/{couple_id:id}/sessions/new")
def session_new(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    couple = clients.get_couple(session, actor=me, couple_id=couple_id)
    now = datetime.now(ZoneInfo(request.state.viewer.timezone)).strftime("%Y-%m-%dT%H:%M")
    values = {"starts_at": now, "duration_minutes": "50", "modality": "in_person",
              "attendee_ids": [str(couple.partner_a_id), str(couple.partner_b_id)]}
    return _new_form(request, session, me, couple_id, values, FormErrors())


def _starts_at(raw: str, timezone: str, errors: FormErrors,
               missing: str = "Enter the date and time the session started") -> datetime | None:
    """A ``datetime-local`` value, read in the practice's time zone."""
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        errors.add("starts_at", missing)
        return None


@router.post("/couples/{couple_id:id}/sessions/new")
def session_create(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                   form: CheckedForm) -> Response:
    clients.get_couple(session, actor=me, couple_id=couple_id)
    errors = FormErrors()
    starts_at = _starts_at(text(form, "starts_at"), request.state.viewer.timezone, errors)
    given = pick(form, ("duration_minutes", "modality", *NOTE_FIELDS))
    attendees = [n for n in (parse_id(v) for v in form.getlist("attendee_ids")) if n is not None]
    if not attendees:
        errors.add("attendee_ids", "Tick who attended")
    data, problems = parse(SessionCreate, {**given, "couple_id": couple_id, "attendee_ids": attendees,
                                           "starts_at": starts_at or datetime.now()})
    errors.update(problems)

    def save(valid: SessionCreate) -> Response:
        created = service.create_session(session, actor=me, data=valid)
        return RedirectResponse(f"/sessions/{created.id}?notice=session-created", status_code=303)

    return submit_form(session, data, errors, save=save, show=lambda problems: _new_form(
        request, session, me, couple_id, values_of(form), problems, status=422))


@router.get("/couples/{couple_id:id}/sessions/plan")
def session_plan(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    clients.get_couple(session, actor=me, couple_id=couple_id)
    # A week from now, on the hour: the commonest next appointment, easy to change.
    ahead = datetime.now(ZoneInfo(request.state.viewer.timezone)) + timedelta(days=7)
    values = {"starts_at": ahead.replace(minute=0).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
              "modality": "in_person"}
    return _new_form(request, session, me, couple_id, values, FormErrors(), template="sessions/plan.html")


@router.post("/couples/{couple_id:id}/sessions/plan")
def session_plan_create(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                        form: CheckedForm) -> Response:
    """Book a session ahead: both partners, no note until it is marked held."""
    clients.get_couple(session, actor=me, couple_id=couple_id)
    errors = FormErrors()
    starts_at = _starts_at(text(form, "starts_at"), request.state.viewer.timezone, errors,
                           missing="Enter the date and time of the session")
    data, problems = parse(SessionCreate, {**pick(form, ("duration_minutes", "modality")), "couple_id": couple_id,
                                           "attendance": "planned", "starts_at": starts_at or datetime.now()})
    errors.update(problems)

    def save(valid: SessionCreate) -> Response:
        created = service.create_session(session, actor=me, data=valid)
        return RedirectResponse(f"/sessions/{created.id}?notice=session-planned", status_code=303)

    return submit_form(session, data, errors, save=save, show=lambda problems: _new_form(
        request, session, me, couple_id, values_of(form), problems, status=422, template="sessions/plan.html"))


def _session_page(request: Request, session: Session, me: Counselor, session_id: int, *,
                  values: dict[str, Any] | None = None, errors: FormErrors | None = None,
                  status: int = 200, version: str | None = None) -> Response:
    """The session's page; shown again after a refused form with ``values`` (what was typed)
    and the ``version`` of the note that text was typed over (the note form's hidden field)."""
    found = service.read_note(session, actor=me, session_id=session_id)
    subject = load_subject(session, actor=me, couple_id=found.couple_id,
                           client_id=None if found.couple_id else found.client_id)
    records = agreements.agreement_records(session, subject=subject)
    active = [r.agreement for r in records if r.agreement.status != "retired"]
    checkins = {r.agreement.id: c for r in records for c, _ in r.checkins if c.session_id == found.id}
    addenda = service.list_addenda(session, session_id=found.id)
    corrections = service.corrections(session, found=found)
    names = service.names_of(session, practice_id=me.practice_id, ids=[
        found.signed_by_id, *(a.author_id for a in addenda), *(c.by_id for c in corrections)])
    return render(request, "sessions/detail.html", {
        # Buttons for a planned session, and to correct a cancelled one or a no-show; a held
        # session's page is its note, as before.
        "marks": [m for m in MARKS if m != found.attendance] if found.attendance != "held" else [],
        "s": found, "subject": subject, "errors": errors or FormErrors(), "labels": PAGE_LABELS,
        "safety": lookups.safety_warnings(session, me, subject),
        "values": values if values is not None else {k: getattr(found, k) for k in NOTE_FIELDS},
        "addenda": addenda, "corrections": corrections, "names": names,
        "version": version or service.note_version(found), "integrity": service.note_integrity(found),
        "agreements": active, "checkins": checkins, "outcomes": [("kept", "Kept"), ("partly", "Partly kept"),
                                                                 ("not_kept", "Not kept")],
        "attendees": [p.display_name for p in subject.people if p.id in found.attendee_ids],
        "people": {p.id: p.display_name for p in subject.people},
    }, status=status)


@router.get("/sessions/{session_id:id}")
def session_page(session_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _session_page(request, session, me, session_id)


@router.post("/sessions/{session_id:id}/attendance")
def attendance_save(session_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                    form: CheckedForm) -> Response:
    """Mark a planned session held (then the note, as for a recorded one), cancelled or a no-show."""
    found = service.get_session_record(session, actor=me, session_id=session_id)
    errors = FormErrors()
    attendance = text(form, "attendance")
    given: dict[str, Any] = {"attendance": attendance if attendance in MARKS else ""}
    if attendance == "held":
        given["attendee_ids"] = [n for n in (parse_id(v) for v in form.getlist("attendee_ids")) if n is not None]
        if not given["attendee_ids"]:
            errors.add("attendee_ids", "Tick who attended")
    data, problems = parse(SessionUpdate, given)
    errors.update(problems)

    def save(valid: SessionUpdate) -> Response:
        service.update_session(session, actor=me, session_id=found.id, data=valid)  # 409 once signed
        where = "#note-h" if valid.attendance == "held" else ""
        return RedirectResponse(f"/sessions/{found.id}?notice=marked-{valid.attendance}{where}", status_code=303)

    notes = {k: getattr(found, k) for k in NOTE_FIELDS}
    return submit_form(session, data, errors, save=save, show=lambda problems: _session_page(
        request, session, me, session_id, values={**notes, **values_of(form)}, errors=problems, status=422))


@router.post("/sessions/{session_id:id}/addenda")
def addendum_add(session_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                 form: CheckedForm) -> Response:
    data, errors = parse(AddendumCreate, pick(form, ("text",)))
    if data is None:
        return _session_page(request, session, me, session_id, values=values_of(form), errors=errors,
                             status=422)
    service.add_addendum(session, actor=me, session_id=session_id, data=data)  # 409 on a draft
    return RedirectResponse(f"/sessions/{session_id}?notice=addendum-added#addenda-h", status_code=303)


@router.post("/sessions/{session_id:id}/checkins")
def checkins_save(session_id: int, session: SessionDep, me: CurrentWebCounselor,
                  form: CheckedForm) -> Response:
    """One outcome per agreement; a blank choice records nothing for that agreement."""
    found = service.get_session_record(session, actor=me, session_id=session_id)
    if found.couple_id is None:  # individual sessions have no couple agreements
        return RedirectResponse(f"/sessions/{session_id}", status_code=303)
    for agreement in agreements.list_agreements(session, actor=me, couple_id=found.couple_id):
        outcome = text(form, f"outcome_{agreement.id}")
        if not outcome:
            continue
        data, _ = parse(CheckInCreate, {"session_id": session_id, "outcome": outcome,
                                             "comment": text(form, f"comment_{agreement.id}")})
        if data is None:
            raise InvalidField(f"outcome_{agreement.id}", "Choose kept, partly kept or not kept")
        agreements.record_checkin(session, actor=me, agreement_id=agreement.id, data=data)
    return RedirectResponse(f"/sessions/{session_id}?notice=checkins-saved#checkins-h", status_code=303)
