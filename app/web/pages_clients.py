"""Client pages: search and list, add, edit, discharge, and one client's overview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.auth.service import list_counselors
from app.clients import service
from app.clients.models import Client
from app.clients.schemas import ClientCreate, ClientUpdate
from app.clients.service import couples_public
from app.clients.subjects import load_subject
from app.db import SessionDep
from app.errors import InvalidField
from app.outreach.sending import discharged
from app.sessions.service import list_sessions
from app.web import lookups, pages_outreach
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, from_invalid, parse, pick, submit_form, text, values_of
from app.web.paging import pager
from app.web.templating import render

router = APIRouter()

CLIENT_FIELDS = ("first_name", "last_name", "preferred_name", "pronouns", "email", "phone",
                 "date_of_birth", "counselor_id")
FIELD_LABELS = {
    "first_name": "First name", "last_name": "Last name", "preferred_name": "Preferred name",
    "pronouns": "Pronouns", "email": "Email", "phone": "Phone", "date_of_birth": "Date of birth",
    "counselor_id": "Counselor", "contact_preference": "How links reach them",
    "email_safe": "Safe to write to their inbox",
}
CONTACT_FIELDS = ("contact_preference", "email_safe")
CONTACT_OPTIONS = [("email", "By email"), ("counselor", "Only through me (I pass links on)")]
EMAIL_SAFE_OPTIONS = [("unknown", "Not known yet"), ("yes", "Yes, email is safe"), ("no", "No, don't send email")]


def counselor_options(session: Session, me: Counselor, *, current: int | None = None) -> list[tuple[int, str]]:
    """Who a record can be given to, each person once: owners choose any active counselor (their
    own entry reads "Name (me)"), others get no choice. ``current``, the record's counselor, is
    listed even when retired, so an edit form preselects it and saving it changes nothing."""
    if not me.is_owner:
        return []
    return [(c.id, f"{c.full_name} (me)" if c.id == me.id else c.full_name + ("" if c.active else " (retired)"))
            for c in list_counselors(session, actor=me) if c.id and (c.active or c.id == current)]


def chosen_counselor(form: CheckedForm) -> int | None:
    """The counselor id a reassign form posted; None for nothing or anything not a plain id."""
    chosen = text(form, "counselor_id")
    return int(chosen) if chosen.isascii() and chosen.isdigit() and len(chosen) <= 9 else None


def counselor_names(session: Session, me: Counselor) -> dict[int, str]:
    """Names of the practice's counselors by id (a retired one says so), for lists and pages."""
    return {c.id: c.full_name + ("" if c.active else " (retired)")
            for c in list_counselors(session, actor=me) if c.id}


def counselor_name(session: Session, me: Counselor, counselor_id: int) -> str:
    """The name of one record's counselor, for its page; the record was already checked."""
    person = session.get(Counselor, counselor_id)
    if person is None or person.practice_id != me.practice_id:
        return "—"
    return person.full_name + ("" if person.active else " (retired)") + (" (you)" if person.id == me.id else "")


@router.get("/clients")
def clients_list(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    q = request.query_params.get("q", "").strip()[:100]
    status = request.query_params.get("status", "")
    status_filter = status if status in ("active", "discharged") else None
    page = pager(request)
    rows, total = service.list_clients(session, actor=me, q=q or None, status=status_filter,
                                       offset=page.offset, limit=page.per_page)
    return render(request, "clients/list.html", {
        "clients": rows, "page": page.with_total(total), "q": q, "status": status_filter or "",
        "counselor_names": counselor_names(session, me) if me.is_owner else None,
    })


def _client_form(request: Request, session: Session, me: Counselor, *, client: Client | None,
                 values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    return render(request, "clients/form.html", {
        "client": client, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "counselors": counselor_options(session, me, current=client.counselor_id if client else None),
        "contact_options": CONTACT_OPTIONS, "email_safe_options": EMAIL_SAFE_OPTIONS,
    }, status=status)


@router.get("/clients/new")
def client_new(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _client_form(request, session, me, client=None, values={"counselor_id": me.id}, errors=FormErrors())


@router.post("/clients/new")
def client_create(request: Request, session: SessionDep, me: CurrentWebCounselor,
                  form: CheckedForm) -> Response:
    data, errors = parse(ClientCreate, pick(form, CLIENT_FIELDS + CONTACT_FIELDS))

    def save(valid: ClientCreate) -> Response:
        client = service.create_client(session, actor=me, data=valid)
        return RedirectResponse(f"/clients/{client.id}?notice=client-created", status_code=303)

    return submit_form(session, data, errors, save=save, show=lambda problems: _client_form(
        request, session, me, client=None, values=values_of(form), errors=problems, status=422))


@router.get("/clients/{client_id:id}")
def client_page(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _client_page(request, session, me, client_id)


def _client_page(request: Request, session: Session, me: Counselor, client_id: int, *,
                 errors: FormErrors | None = None, values: dict[str, Any] | None = None,
                 status: int = 200) -> Response:
    subject = load_subject(session, actor=me, client_id=client_id)
    client = subject.people[0]
    couples, _ = service.list_couples(session, actor=me, q=None, status=None, offset=0, limit=500)
    theirs = [c for c in couples if client_id in (c.partner_a_id, c.partner_b_id)]
    sessions, _ = list_sessions(session, actor=me, couple_id=None, client_id=client_id, q=None,
                                offset=0, limit=20)
    return render(request, "clients/detail.html", {
        "client": client, "couples": couples_public(session, theirs), "sessions": sessions,
        "counselor": counselor_name(session, me, client.counselor_id),
        "counselors": counselor_options(session, me, current=client.counselor_id),
        "values": values or {"counselor_id": client.counselor_id}, "errors": errors or FormErrors(),
        "labels": FIELD_LABELS,
        "administrations": lookups.client_administrations(session, me, client_id),
        "flags": lookups.subject_flags(session, subject),
        "link_alerts": lookups.subject_link_alerts(session, me, subject),
        "schedule_section": pages_outreach.schedule_section(session, subject), "schedule_subject_kind": "client",
    }, status=status)


@router.post("/clients/{client_id:id}/counselor")
def client_reassign(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                    form: CheckedForm) -> Response:
    """The owner gives the client's own record to another counselor (audited: from and to)."""
    try:
        service.reassign_client(session, actor=me, client_id=client_id,
                                counselor_id=chosen_counselor(form))
    except InvalidField as exc:
        session.rollback()
        return _client_page(request, session, me, client_id, errors=from_invalid(exc), values=values_of(form),
                            status=422)
    return RedirectResponse(f"/clients/{client_id}?notice=client-reassigned", status_code=303)


@router.get("/clients/{client_id:id}/edit")
def client_edit(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    client = service.get_client(session, actor=me, client_id=client_id)
    values = {k: getattr(client, k) or "" for k in CLIENT_FIELDS + CONTACT_FIELDS}
    return _client_form(request, session, me, client=client, values=values, errors=FormErrors())


@router.post("/clients/{client_id:id}/edit")
def client_save(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                form: CheckedForm) -> Response:
    client = service.get_client(session, actor=me, client_id=client_id)
    data, errors = _update_data(form, me, client)

    def save(valid: ClientUpdate) -> Response:
        service.update_client(session, actor=me, client_id=client_id, data=valid)
        return RedirectResponse(f"/clients/{client_id}?notice=client-saved", status_code=303)

    return submit_form(session, data, errors, save=save, show=lambda problems: _client_form(
        request, session, me, client=client, values=values_of(form), errors=problems, status=422))


def _update_data(form: CheckedForm, me: Counselor, client: Client) -> tuple[ClientUpdate | None, FormErrors]:
    """An emptied optional field clears it; the names stay required; only owners reassign.

    "Safe to email" is saved only when the counselor changed it, so saving other details never
    turns the intake's answer into the counselor's."""
    given = pick(form, CLIENT_FIELDS + CONTACT_FIELDS)
    data: dict[str, Any] = {k: given.get(k) for k in CLIENT_FIELDS[:-1]}
    if me.is_owner and "counselor_id" in given:
        data["counselor_id"] = given["counselor_id"]
    if "contact_preference" in given:
        data["contact_preference"] = given["contact_preference"]
    if given.get("email_safe", client.email_safe) != client.email_safe:
        data["email_safe"] = given["email_safe"]
    missing = FormErrors()
    for name in ("first_name", "last_name"):
        if not data[name]:
            missing.add(name, "This is required")
    parsed, errors = parse(ClientUpdate, data)
    errors.update(missing)
    return (parsed if not errors else None), errors


@router.post("/clients/{client_id:id}/discharge")
def client_discharge(client_id: int, session: SessionDep, me: CurrentWebCounselor,
                     form: CheckedForm) -> Response:
    service.discharge_client(session, actor=me, client_id=client_id)
    discharged(session, client_id=client_id)
    return RedirectResponse(f"/clients/{client_id}?notice=client-discharged", status_code=303)
