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
from app.outreach.sending import discharged
from app.sessions.service import list_sessions
from app.web import lookups, pages_outreach
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form, values_of
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


def counselor_options(session: Session, me: Counselor) -> list[tuple[int, str]]:
    """Who a record can be assigned to: owners choose any active counselor, others only themselves."""
    if not me.is_owner:
        return []
    return [(c.id, c.full_name) for c in list_counselors(session, actor=me) if c.active and c.id]


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
    })


def _client_form(request: Request, session: Session, me: Counselor, *, client: Client | None,
                 values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    return render(request, "clients/form.html", {
        "client": client, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "counselors": counselor_options(session, me),
        "contact_options": CONTACT_OPTIONS, "email_safe_options": EMAIL_SAFE_OPTIONS,
    }, status=status)


@router.get("/clients/new")
def client_new(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _client_form(request, session, me, client=None, values={}, errors=FormErrors())


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
    subject = load_subject(session, actor=me, client_id=client_id)
    client = subject.people[0]
    couples, _ = service.list_couples(session, actor=me, q=None, status=None, offset=0, limit=500)
    theirs = [c for c in couples if client_id in (c.partner_a_id, c.partner_b_id)]
    sessions, _ = list_sessions(session, actor=me, couple_id=None, client_id=client_id, q=None,
                                offset=0, limit=20)
    return render(request, "clients/detail.html", {
        "client": client, "couples": couples_public(session, theirs), "sessions": sessions,
        "administrations": lookups.client_administrations(session, me, client_id),
        "flags": lookups.subject_flags(session, subject),
        "link_alerts": lookups.subject_link_alerts(session, me, subject),
        "schedule_section": pages_outreach.schedule_section(session, subject), "schedule_subject_kind": "client",
    })


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
