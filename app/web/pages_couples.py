"""Couple pages: list, add (two existing clients or both typed in), and the couple's overview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service
from app.clients.models import BREACH_TYPES, Client, Couple
from app.clients.schemas import ClientCreate, CoupleCreate, CoupleUpdate
from app.clients.service import couples_public
from app.clients.subjects import load_subject
from app.db import SessionDep
from app.errors import InvalidField, NotFound
from app.outreach.sending import discharged
from app.questionnaires.scores.history import score_histories
from app.questionnaires.submission.flags import reviews_in_context
from app.questionnaires.submission.results import latest_safety
from app.reports.core.formatting import label
from app.sessions import agreements as agreement_service
from app.sessions.service import list_sessions, next_planned
from app.web import lookups, pages_outreach
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, from_invalid, parse, pick, text, values_of
from app.web.pages_clients import chosen_counselor, counselor_name, counselor_names, counselor_options
from app.web.paging import pager
from app.web.templating import render

router = APIRouter()

COUPLE_FIELDS = ("breach_type", "breach_summary", "disclosed_on", "started_on", "counselor_id")
FIELD_LABELS = {
    "a_client_id": "Partner A", "b_client_id": "Partner B",
    "a_first_name": "Partner A first name", "a_last_name": "Partner A last name",
    "b_first_name": "Partner B first name", "b_last_name": "Partner B last name",
    "a_email": "Partner A email", "b_email": "Partner B email",
    "breach_type": "Breach", "breach_summary": "Summary", "disclosed_on": "Disclosed on",
    "started_on": "Counseling started", "counselor_id": "Counselor",
}
SESSIONS_SHOWN = 10
QUESTIONNAIRES_SHOWN = 12  # a year of monthly links for two partners, newest first
TIMELINE_SHOWN = 20
REVIEWS_READ = 20


@router.get("/couples")
def couples_list(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    q = request.query_params.get("q", "").strip()[:100]
    page = pager(request)
    rows, total = service.list_couples(session, actor=me, q=q or None, status=None,
                                       offset=page.offset, limit=page.per_page)
    return render(request, "couples/list.html", {
        "couples": couples_public(session, rows), "page": page.with_total(total), "q": q,
        "counselor_names": counselor_names(session, me) if me.is_owner else None,
    })


def _client_options(session: Session, me: Counselor) -> list[tuple[int, str]]:
    rows, _ = service.list_clients(session, actor=me, q=None, status="active", offset=0, limit=500)
    return [(c.id, f"{c.last_name}, {c.preferred_name or c.first_name}") for c in rows if c.id]


def _couple_form(request: Request, session: Session, me: Counselor, values: dict[str, Any],
                 errors: FormErrors, status: int = 200) -> Response:
    return render(request, "couples/form.html", {
        "values": values, "errors": errors, "labels": FIELD_LABELS,
        "clients": _client_options(session, me), "counselors": counselor_options(session, me),
        "breaches": [(b, label(b)) for b in BREACH_TYPES],
    }, status=status)


@router.get("/couples/new")
def couple_new(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _couple_form(request, session, me, {"counselor_id": me.id}, FormErrors())


def _partner(session: Session, me: Counselor, form: CheckedForm, side: str,
             errors: FormErrors) -> int | None:
    """An existing client chosen in the list, or a new client made from the typed name."""
    chosen = text(form, f"{side}_client_id")
    if chosen:
        try:
            return service.get_client(session, actor=me, client_id=int(chosen)).id
        except (ValueError, NotFound):
            errors.add(f"{side}_client_id", "Choose a client from the list")
            return None
    typed = pick(form, ("first_name", "last_name", "email"), prefix=f"{side}_")
    if not typed:
        errors.add(f"{side}_client_id", "Choose a client, or type a new client's name below")
        return None
    if me.is_owner and text(form, "counselor_id"):  # a new partner is held by the couple's counselor
        typed["counselor_id"] = text(form, "counselor_id")
    data, problems = parse(ClientCreate, typed, prefix=f"{side}_")
    errors.update(problems)
    if data is None:
        return None
    return service.create_client(session, actor=me, data=data).id


@router.post("/couples/new")
def couple_create(request: Request, session: SessionDep, me: CurrentWebCounselor,
                  form: CheckedForm) -> Response:
    errors = FormErrors()
    try:
        a_id = _partner(session, me, form, "a", errors)
        b_id = _partner(session, me, form, "b", errors)
        details = pick(form, COUPLE_FIELDS)
        data, problems = parse(CoupleCreate, {**details, "partner_a_id": a_id or 0, "partner_b_id": b_id or 0})
        errors.update({k: v for k, v in problems.items() if not k.startswith("partner_")})
        if data is not None and not errors:
            couple = service.create_couple(session, actor=me, data=data)
            return RedirectResponse(f"/couples/{couple.id}?notice=couple-created", status_code=303)
    except InvalidField as exc:
        errors.add({"partner_a_id": "a_client_id", "partner_b_id": "b_client_id"}.get(exc.field, exc.field),
                   exc.message)
    session.rollback()  # nothing half-made: typed-in partners are dropped with the couple
    return _couple_form(request, session, me, values_of(form), errors, status=422)


@router.get("/couples/{couple_id:id}")
def couple_page(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _couple_page(request, session, me, couple_id)


def _reassign_hint(session: Session, me: Counselor, couple: Couple, people: tuple[Client, ...]) -> str:
    """What moves with the couple: the partners whose own record its counselor holds."""
    moving = [p.display_name for p in people if p.counselor_id == couple.counselor_id]
    staying = [f"{p.display_name}'s stays with {counselor_name(session, me, p.counselor_id)}"
               for p in people if p.counselor_id != couple.counselor_id]
    parts = []
    if len(moving) == 2:
        parts.append("Both partners' own records move with the couple.")
    elif moving:
        parts.append(f"{moving[0]}'s own record moves with the couple.")
    if staying:
        parts.append(f"{'; '.join(staying)} (individual work with another counselor).")
    parts.append("Sessions, schedules and links already sent stay with the couple; the new counselor sees them.")
    return " ".join(parts)


def _couple_page(request: Request, session: Session, me: Counselor, couple_id: int, *,
                 errors: FormErrors | None = None, values: dict[str, Any] | None = None,
                 status: int = 200) -> Response:
    subject = load_subject(session, actor=me, couple_id=couple_id)
    row = service.couple_public(subject.couple, *subject.people)  # type: ignore[arg-type]
    sessions, session_total = list_sessions(session, actor=me, couple_id=couple_id, client_id=None,
                                            q=None, offset=0, limit=SESSIONS_SHOWN)
    agreements = agreement_service.agreement_records(session, subject=subject)
    reviews = reviews_in_context(session, subject=subject, limit=REVIEWS_READ)
    flags = lookups.subject_flags(session, subject)
    scores = score_histories(session, subject=subject)
    couple = subject.couple
    assert couple is not None
    return render(request, "couples/detail.html", {
        "couple": row, "roles": lookups.partner_roles(session, subject),
        "counselor": counselor_name(session, me, couple.counselor_id),
        "counselors": counselor_options(session, me, current=couple.counselor_id),
        "reassign_hint": _reassign_hint(session, me, couple, subject.people) if me.is_owner else "",
        "values": values or {"counselor_id": couple.counselor_id}, "errors": errors or FormErrors(),
        "labels": FIELD_LABELS,
        "safety": latest_safety(session, subject=subject),
        "names": {row.partner_a.id: row.partner_a.display_name, row.partner_b.id: row.partner_b.display_name},
        "sessions": sessions, "session_total": session_total,
        "next_planned": next_planned(session, subject=subject),
        "agreements": agreements,
        "questionnaires": lookups.couple_questionnaires(session, me, couple_id),
        "questionnaires_shown": QUESTIONNAIRES_SHOWN,
        "scores": scores,
        "score_views": lookups.score_views(scores, flags),
        "flags": flags,
        "link_alerts": lookups.subject_link_alerts(session, me, subject),
        "schedule_section": pages_outreach.schedule_section(session, subject),
        "timeline": lookups.couple_timeline(  # what has happened: planned sessions are not in it
            [s for s in sessions if s.attendance != "planned"], all_sessions=session_total <= len(sessions),
            agreements=agreements,
            reviews=reviews, all_reviews=len(reviews) < REVIEWS_READ, limit=TIMELINE_SHOWN),
    }, status=status)


@router.post("/couples/{couple_id:id}/counselor")
def couple_reassign(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                    form: CheckedForm) -> Response:
    """The owner gives the couple to another counselor; partners held by the old one move with it."""
    try:
        service.reassign_couple(session, actor=me, couple_id=couple_id, counselor_id=chosen_counselor(form))
    except InvalidField as exc:
        session.rollback()
        return _couple_page(request, session, me, couple_id, errors=from_invalid(exc), values=values_of(form),
                            status=422)
    return RedirectResponse(f"/couples/{couple_id}?notice=couple-reassigned", status_code=303)


@router.post("/couples/{couple_id:id}/discharge")
def couple_discharge(couple_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    """Discharge the couple (every record kept), ending their schedules and every message still waiting."""
    service.update_couple(session, actor=me, couple_id=couple_id, data=CoupleUpdate(status="discharged"))
    discharged(session, couple_id=couple_id)
    return RedirectResponse(f"/couples/{couple_id}?notice=couple-discharged", status_code=303)
