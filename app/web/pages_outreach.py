"""The measurement loop's pages: schedules on the couple and client pages, the outbox ("Messages to
pass on"), and the queue on the dashboard. Every operation is ``app.outreach``'s; these routes
parse forms, call it and redirect, so a reload never repeats an action."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.auth.models import Counselor
from app.clients.subjects import Subject, load_subject
from app.db import SessionDep, utcnow
from app.instruments.catalog import default_catalog
from app.outreach import outbox, queue_view, schedules
from app.outreach.schemas import ScheduleCreate, ScheduleUpdate
from app.practice.models import Practice
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form, text, values_of
from app.web.templating import render, subject_page, with_notice

router = APIRouter()

SCHEDULE_FIELDS = ("instrument_id", "rule", "every", "days_before", "starts_on", "ends_on", "link_days")
FIELD_LABELS = {"instrument_id": "Questionnaire", "rule": "When", "every": "Every how many",
                "days_before": "Days before the session", "starts_on": "Starts on", "ends_on": "Ends on",
                "link_days": "Each link works for"}
RULE_OPTIONS = [("once", "Once"), ("every_weeks", "Every N weeks"), ("every_sessions", "After every N held sessions"),
                ("before_session", "N days before each planned session")]


# --- schedules on the couple and client pages ---------------------------------------------


def _instruments() -> list[tuple[str, str]]:
    return [(d.id, f"{d.title} ({d.kind.replace('-', ' ')})") for d in default_catalog().all()]


def _defaults(session: Session, subject: Subject) -> dict[str, Any]:
    practice = session.get(Practice, subject.practice_id)
    zone = schedules.sending.zone_of(practice) if practice else None
    today = utcnow().astimezone(zone).date() if zone else utcnow().date()
    assessments = default_catalog().of_kind("assessment") or default_catalog().all()
    return {"instrument_id": assessments[0].id, "rule": "every_weeks", "every": "4", "days_before": "1",
            "starts_on": today.isoformat()}


def schedule_section(session: Session, subject: Subject, *, values: dict[str, Any] | None = None,
                     errors: FormErrors | None = None) -> dict[str, Any]:
    """What the "Questionnaires on a schedule" section of a couple's or client's page shows."""
    return {
        "schedules": schedules.list_schedules(session, subject=subject),
        "instruments": _instruments(), "rules": RULE_OPTIONS, "labels": FIELD_LABELS,
        "values": values if values is not None else _defaults(session, subject),
        "errors": errors or FormErrors(), "action": f"{subject_page(subject)}/schedules",
        "active": subject.couple.status != "discharged" if subject.couple is not None
        else subject.people[0].status == "active",
    }


def _schedule_form(request: Request, session: Session, subject: Subject, values: dict[str, Any],
                   errors: FormErrors, status: int = 422) -> Response:
    return render(request, "outreach/schedule_form.html", {
        "subject": subject, "section": schedule_section(session, subject, values=values, errors=errors),
        "labels": FIELD_LABELS, "errors": errors,
    }, status=status)


def _add(request: Request, session: Session, me: Counselor, subject: Subject, form: FormData) -> Response:
    data, errors = parse(ScheduleCreate, pick(form, SCHEDULE_FIELDS))

    def save(valid: ScheduleCreate) -> Response:
        schedules.create_schedule(session, actor=me, data=valid, couple_id=subject.couple_id,
                                  client_id=None if subject.couple else subject.id)
        return RedirectResponse(with_notice(subject_page(subject), "schedule-added") + "#schedules",
                                status_code=303)

    return submit_form(session, data, errors, save=save,
                       show=lambda problems: _schedule_form(request, session, subject, values_of(form), problems))


@router.post("/couples/{couple_id:id}/schedules")
def couple_schedule_add(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                        form: CheckedForm) -> Response:
    return _add(request, session, me, load_subject(session, actor=me, couple_id=couple_id), form)


@router.post("/clients/{client_id:id}/schedules")
def client_schedule_add(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                        form: CheckedForm) -> Response:
    return _add(request, session, me, load_subject(session, actor=me, client_id=client_id), form)


def _edit_page(request: Request, session: Session, me: Counselor, schedule_id: int, values: dict[str, Any] | None,
               errors: FormErrors, status: int = 200) -> Response:
    found = schedules.get_schedule(session, actor=me, schedule_id=schedule_id)
    subject = schedules.subject_of(session, actor=me, schedule=found)
    shown = schedules.schedule_public(session, found)
    if values is None:
        values = {f: "" if getattr(found, f) is None else str(getattr(found, f)) for f in SCHEDULE_FIELDS}
    return render(request, "outreach/schedule_edit.html", {
        "subject": subject, "schedule": shown, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "rules": RULE_OPTIONS,
    }, status=status)


@router.get("/schedules/{schedule_id:id}/edit")
def schedule_edit(schedule_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _edit_page(request, session, me, schedule_id, None, FormErrors())


@router.post("/schedules/{schedule_id:id}/edit")
def schedule_save(schedule_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                  form: CheckedForm) -> Response:
    found = schedules.get_schedule(session, actor=me, schedule_id=schedule_id)
    subject = schedules.subject_of(session, actor=me, schedule=found)
    given = pick(form, ("rule", "every", "days_before", "starts_on"))
    # An emptied end date or link length clears it (no end; the practice's link length).
    data, errors = parse(ScheduleUpdate, {**given, "ends_on": text(form, "ends_on") or None,
                                          "link_days": text(form, "link_days") or None})

    def save(valid: ScheduleUpdate) -> Response:
        schedules.update_schedule(session, actor=me, schedule_id=schedule_id, data=valid)
        return RedirectResponse(with_notice(subject_page(subject), "schedule-saved") + "#schedules",
                                status_code=303)

    return submit_form(session, data, errors, save=save, show=lambda problems: _edit_page(
        request, session, me, schedule_id, values_of(form), problems, status=422))


def _status_change(session: Session, me: Counselor, schedule_id: int, action: str) -> Response:
    change = {"pause": schedules.pause_schedule, "resume": schedules.resume_schedule,
              "stop": schedules.stop_schedule}[action]
    changed = change(session, actor=me, schedule_id=schedule_id)
    subject = schedules.subject_of(session, actor=me, schedule=changed)
    notice = {"pause": "schedule-paused", "resume": "schedule-resumed", "stop": "schedule-stopped"}[action]
    return RedirectResponse(with_notice(subject_page(subject), notice) + "#schedules", status_code=303)


@router.post("/schedules/{schedule_id:id}/pause")
def schedule_pause(schedule_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _status_change(session, me, schedule_id, "pause")


@router.post("/schedules/{schedule_id:id}/resume")
def schedule_resume(schedule_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _status_change(session, me, schedule_id, "resume")


@router.post("/schedules/{schedule_id:id}/stop")
def schedule_stop(schedule_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _status_change(session, me, schedule_id, "stop")


# --- the outbox -------------------------------------------------------------------------


@router.get("/outbox")
def outbox_page(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return render(request, "outreach/outbox.html", {"box": outbox.outbox(session, actor=me)})


@router.post("/messages/{message_id:id}/passed-on")
def message_passed_on(message_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    outbox.passed_on(session, actor=me, message_id=message_id)
    return RedirectResponse("/outbox?notice=message-passed-on", status_code=303)


@router.post("/messages/{message_id:id}/release")
def message_release(message_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    outbox.release(session, actor=me, message_id=message_id)
    return RedirectResponse("/outbox?notice=message-released", status_code=303)


# --- the dashboard's queue -------------------------------------------------------------------


def dashboard_queue(session: Session, me: Counselor) -> dict[str, Any]:
    """What the dashboard's "Your queue" section shows."""
    return {"queue": queue_view.counselor_queue(session, actor=me), "categories": queue_view.CATEGORIES}
