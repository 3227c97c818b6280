"""Changing a session from its page: the DAP note (save, sign, and the stale-tab conflict that
keeps what was typed), correcting its details, deleting a draft. Every success is a 303."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.subjects import load_subject
from app.db import SessionDep
from app.errors import Conflict, InvalidField
from app.fields import parse_id
from app.reports.core.formatting import label, moment
from app.sessions import service
from app.sessions.models import ATTENDANCE, MODALITIES, TherapySession
from app.sessions.schemas import SessionCorrection, SessionUpdate
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form, text, values_of
from app.web.pages_sessions import NOTE_FIELDS, NOTE_LABELS, _session_page, _starts_at
from app.web.templating import record_page, render

router = APIRouter()

#: The conflict page's fields as it labels them (the note, the addendum offered).
CONFLICT_LABELS = {**NOTE_LABELS, "text": "Addendum"}
#: The correction form's fields as it labels them.
CORRECT_LABELS = {"starts_at": "Date and time", "duration_minutes": "Length in minutes", "modality": "Where",
                  "attendance": "Attendance", "attendee_ids": "Who attended"}
PLANNED_WITH_NOTE = "This session has a note, and a planned session has none: it stays as it is"


def _see(session_id: int, notice: str, where: str = "") -> RedirectResponse:
    return RedirectResponse(f"/sessions/{session_id}?notice={notice}{where}", status_code=303)


# -- the note -----------------------------------------------------------------------------------

def addendum_from(typed: dict[str, str], signed: TherapySession, changed: Collection[str] = NOTE_FIELDS) -> str:
    """What a counselor typed over a note signed meanwhile, as one addendum: each part that
    differs from the signed text under its name, and only the added words where the typed text
    just carries the signed text on.

    Only the fields ``changed`` in the stale tab (``service.changed_fields``) count: a field the
    tab merely still showed as it was loaded holds the text the signed note superseded, and
    offering it back would put the old text into the record as if it were a correction."""
    parts = []
    for field, name in NOTE_LABELS.items():
        mine, theirs = typed.get(field, "").strip(), (getattr(signed, field) or "").strip()
        if field not in changed or not mine or mine == theirs:
            continue
        added = mine[len(theirs):].strip() if theirs and mine.startswith(theirs) else mine
        parts.append(f"{name}: {added}")
    return "\n\n".join(parts)


def _conflict_page(request: Request, session: Session, me: Counselor, session_id: int,
                   typed: dict[str, str], *, signed: bool, loaded: str | None) -> Response:
    """409: the note as it is now beside the text typed over an older version (``loaded``, the
    form's ``note_version``), which is never lost: all of it is shown. What the stale tab
    changed (``service.changed_fields``) is offered as an addendum (a signed note) or, over the
    newer draft, with the fields the tab left alone holding the draft as it is now; or left."""
    found = service.read_note(session, actor=me, session_id=session_id)
    subject = load_subject(session, actor=me, couple_id=found.couple_id,
                           client_id=None if found.couple_id else found.client_id)
    names = service.names_of(session, practice_id=me.practice_id, ids=[found.signed_by_id])
    changed = service.changed_fields(typed, loaded)
    merged = {f: typed[f] if f in changed else getattr(found, f) for f in NOTE_FIELDS}
    return render(request, "sessions/conflict.html", {
        "s": found, "subject": subject, "signed": signed or found.status == "signed", "typed": typed,
        "changed": changed, "values": {**merged, "text": addendum_from(typed, found, changed)},
        "errors": FormErrors(), "labels": CONFLICT_LABELS, "note_labels": NOTE_LABELS, "names": names,
        "version": service.note_version(found),
    }, status=409)


@router.post("/sessions/{session_id:id}/note")
def note_save(session_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
              form: CheckedForm) -> Response:
    """Save the draft; with action=sign and the box ticked, also sign (which locks it).

    The form carries ``note_version``, the version of the note it was loaded with (each field's
    fingerprint): when the note was signed or saved with other text since (another tab, a
    colleague), nothing is saved and the conflict page shows both texts, offering back only what
    this tab changed. Every refusal shows what was typed again."""
    typed = {k: text(form, k) for k in NOTE_FIELDS}
    version = text(form, "note_version") or None
    signing = text(form, "action") == "sign"
    found = service.get_session_record(session, actor=me, session_id=session_id)
    if found.status == "signed":
        if service.note_version(found) == service.note_version(typed):  # the same text, posted again
            return _see(session_id, "note-already-signed", "#note-h")
        return _conflict_page(request, session, me, session_id, typed, signed=True, loaded=version)
    data, errors = parse(SessionUpdate, typed)
    if signing and text(form, "confirm") != "yes":
        errors.add("confirm", "Tick the box to confirm the note is complete before signing")

    def show(problems: FormErrors, status: int = 422) -> Response:
        return _session_page(request, session, me, session_id, values=values_of(form), errors=problems,
                             status=status, version=version)

    def save(valid: SessionUpdate) -> Response:
        service.update_session(session, actor=me, session_id=session_id, data=valid, expected_version=version)
        if not signing:
            return _see(session_id, "note-saved")
        service.sign_session(session, actor=me, session_id=session_id,
                             expected_version=service.note_version(valid.model_dump()))
        return _see(session_id, "note-signed")

    try:
        return submit_form(session, data, errors, save=save, show=show)
    except service.NoteChanged as exc:
        session.rollback()
        return _conflict_page(request, session, me, session_id, typed, signed=exc.signed, loaded=version)
    except service.NotStarted as exc:
        session.rollback()
        when = moment(exc.starts_at, request.state.viewer.timezone)
        return show(FormErrors({"confirm": service.not_started_message(when)}), status=409)
    except Conflict as exc:
        session.rollback()
        return show(FormErrors({"confirm": exc.message}), status=409)


# -- correcting the details ---------------------------------------------------------------------

def _minute(value: datetime, zone: str) -> str:
    """A start as the form's ``datetime-local`` value, in the practice's zone."""
    return service.as_utc(value).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def _correct_form(request: Request, session: Session, me: Counselor, session_id: int,
                  values: dict[str, Any] | None, errors: FormErrors, status: int = 200) -> Response:
    found = service.get_session_record(session, actor=me, session_id=session_id)
    subject = load_subject(session, actor=me, couple_id=found.couple_id,
                           client_id=None if found.couple_id else found.client_id)
    current = {"starts_at": _minute(found.starts_at, request.state.viewer.timezone),
               "duration_minutes": str(found.duration_minutes), "modality": found.modality,
               "attendance": found.attendance, "attendee_ids": [str(i) for i in found.attendee_ids]}
    return render(request, "sessions/correct.html", {
        "s": found, "subject": subject, "values": values if values is not None else current, "errors": errors,
        "labels": CORRECT_LABELS, "modalities": [(m, label(m)) for m in MODALITIES],
        "attendances": [(a, label(a)) for a in ATTENDANCE], "attendees_shown": _attendees_shown(found),
        "attended": [p.display_name for p in subject.people if p.id in found.attendee_ids],
    }, status=status)


def _attendees_shown(found: TherapySession) -> bool:
    """Who attended is corrected on the form of a held session whose note is not signed (a signed
    note keeps its attendees, as its attendance)."""
    return found.attendance == "held" and found.status != "signed"


@router.get("/sessions/{session_id:id}/correct")
def correct_page(session_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _correct_form(request, session, me, session_id, None, FormErrors())


@router.post("/sessions/{session_id:id}/correct")
def correct_save(session_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                 form: CheckedForm) -> Response:
    """Correct the date and time, length, modality, attendance or who attended
    (``service.correct_session``: audited with old and new values, listed on the page; a signed
    session keeps its attendance and attendees). The attendee boxes count only when the form
    showed them (``attendees``: a held session's unsigned note) and the session stays held."""
    found = service.get_session_record(session, actor=me, session_id=session_id)
    errors = FormErrors()
    zone = request.state.viewer.timezone
    starts_at: datetime | None = _starts_at(text(form, "starts_at"), zone, errors,
                                            missing="Enter the date and time of the session")
    if text(form, "starts_at") == _minute(found.starts_at, zone):  # shown to the minute: not a change
        starts_at = None
    given = pick(form, ("duration_minutes", "modality", "attendance"))
    if "duration_minutes" not in given:
        errors.add("duration_minutes", "Enter how long the session lasted")
    if text(form, "attendees") == "shown" and given.get("attendance", "held") == "held":
        given["attendee_ids"] = [n for n in (parse_id(v) for v in form.getlist("attendee_ids")) if n is not None]
        if not given["attendee_ids"]:
            errors.add("attendee_ids", "Tick who attended")
    data, problems = parse(SessionCorrection, {**given, **({"starts_at": starts_at} if starts_at else {})})
    errors.update({k: v for k, v in problems.items() if k not in errors})

    def show(problems: FormErrors, status: int = 422) -> Response:
        return _correct_form(request, session, me, session_id, values_of(form), problems, status=status)

    def save(valid: SessionCorrection) -> Response:
        try:
            _, changed = service.correct_session(session, actor=me, session_id=session_id, data=valid)
        except InvalidField as exc:
            if exc.field in NOTE_FIELDS:  # back to planned, with a note
                raise InvalidField("attendance", PLANNED_WITH_NOTE) from exc
            raise
        except Conflict as exc:  # a signed session's attendance or attendees
            session.rollback()
            field = "attendee_ids" if exc.message == service.SIGNED_ATTENDEES else "attendance"
            return show(FormErrors({field: exc.message}), status=409)
        if not changed:
            return _see(session_id, "session-unchanged")
        return _see(session_id, "session-corrected", "#corrections-h")

    return submit_form(session, data, errors, save=save, show=show)


# -- deleting a draft ---------------------------------------------------------------------------

@router.post("/sessions/{session_id:id}/delete")
def session_delete(session_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    """Delete a session whose note is a draft (the page asks first, in a ``<details>``); a signed
    note is refused (409). Audited; back to the couple's or client's page."""
    found = service.get_session_record(session, actor=me, session_id=session_id)
    back = record_page(found.couple_id, found.client_id or 0)
    service.delete_session(session, actor=me, session_id=session_id)
    return RedirectResponse(f"{back}?notice=session-deleted", status_code=303)
