"""Agreement pages: add one to a couple, see its history, change its status, retire it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service as clients
from app.clients.service import couples_public
from app.db import SessionDep
from app.reports.core.formatting import label
from app.sessions import agreements as service
from app.sessions.models import AGREEMENT_KINDS, AGREEMENT_STATUSES
from app.sessions.schemas import AgreementCreate, AgreementUpdate
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, values_of
from app.web.templating import render

router = APIRouter()

FIELD_LABELS = {"kind": "Kind", "title": "Agreement", "details": "Details", "status": "New status",
                "note": "Why it changed"}


def _new_form(request: Request, session: Session, me: Counselor, couple_id: int,
              values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    couple = couples_public(session, [clients.get_couple(session, actor=me, couple_id=couple_id)])[0]
    return render(request, "couples/agreement_form.html", {
        "couple": couple, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "kinds": [(k, label(k)) for k in AGREEMENT_KINDS],
    }, status=status)


@router.get("/couples/{couple_id:id}/agreements/new")
def agreement_new(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _new_form(request, session, me, couple_id, {}, FormErrors())


@router.post("/couples/{couple_id:id}/agreements/new")
def agreement_create(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                     form: CheckedForm) -> Response:
    clients.get_couple(session, actor=me, couple_id=couple_id)  # 404 before validating
    data, errors = parse(AgreementCreate, pick(form, ("kind", "title", "details")))
    if data is None:
        return _new_form(request, session, me, couple_id, values_of(form), errors, status=422)
    service.create_agreement(session, actor=me, couple_id=couple_id, data=data)
    return RedirectResponse(f"/couples/{couple_id}?notice=agreement-created#agreements-h", status_code=303)


def _agreement_page(request: Request, session: Session, me: Counselor, agreement_id: int,
                    values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    viewer = getattr(request.state, "viewer", None)
    detail = service.agreement_detail(session, actor=me, agreement_id=agreement_id,
                                      zone=viewer.timezone if viewer else "UTC")
    agreement = detail.agreement
    couple = couples_public(session, [clients.get_couple(session, actor=me,
                                                              couple_id=agreement.couple_id)])[0]
    return render(request, "couples/agreement.html", {
        "agreement": agreement, "couple": couple, "values": values, "errors": errors,
        "labels": FIELD_LABELS, "history": detail.history, "checkins": detail.checkins,
        "statuses": [(s, label(s)) for s in AGREEMENT_STATUSES if s != agreement.status],
    }, status=status)


@router.get("/agreements/{agreement_id:id}")
def agreement_page(agreement_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _agreement_page(request, session, me, agreement_id, {}, FormErrors())


@router.post("/agreements/{agreement_id:id}/status")
def agreement_status(agreement_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                     form: CheckedForm) -> Response:
    """Change the status with a note; retired agreements refuse (409 page from the service)."""
    data, errors = parse(AgreementUpdate, pick(form, ("status", "note")))
    if data is None or data.status is None:
        errors.setdefault("status", "Choose the new status")
        return _agreement_page(request, session, me, agreement_id, values_of(form), errors, status=422)
    agreement = service.update_agreement(session, actor=me, agreement_id=agreement_id, data=data)
    return RedirectResponse(f"/agreements/{agreement.id}?notice=agreement-updated", status_code=303)


@router.post("/agreements/{agreement_id:id}/retire")
def agreement_retire(agreement_id: int, session: SessionDep, me: CurrentWebCounselor,
                     form: CheckedForm) -> Response:
    data = AgreementUpdate(status="retired", note=pick(form, ("note",)).get("note", "")[:1000])
    agreement = service.update_agreement(session, actor=me, agreement_id=agreement_id, data=data)
    return RedirectResponse(f"/couples/{agreement.couple_id}?notice=agreement-retired#agreements-h",
                            status_code=303)
