"""Report pages for a couple or one client: choose a period, preview as HTML, download the PDF.

The report service builds, renders and records; these routes parse the period form.
The preview is the report's own HTML page. Its stylesheet is inline (so the HTML is
self-contained for WeasyPrint), so the preview's CSP allows exactly that stylesheet
by its SHA-256 hash — no 'unsafe-inline', and still no script at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.subjects import Subject, load_subject
from app.db import SessionDep
from app.reports import service
from app.reports.preview import preview_csp
from app.reports.schemas import ReportRequest
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form
from app.web.templating import render

router = APIRouter()

FIELDS = ("period_start", "period_end", "summary", "paper")
FIELD_LABELS = {"period_start": "From", "period_end": "To", "summary": "Summary", "paper": "Paper size"}


def _report_form(request: Request, session: Session, me: Counselor, subject: Subject,
                 values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    return render(request, "reports/form.html", {
        "subject": subject, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "reports": service.list_reports(session, actor=me, **_ids(subject)),
    }, status=status)


def _ids(subject: Subject) -> dict[str, int]:
    """``couple_id=`` or ``client_id=`` for the report service."""
    return {f"{subject.kind}_id": subject.id}


def _parse(values: dict[str, str]) -> tuple[ReportRequest | None, FormErrors]:
    return parse(ReportRequest, {k: v for k, v in values.items() if k in FIELDS and v})


def _preview(request: Request, session: Session, me: Counselor, subject: Subject, form: CheckedForm) -> Response:
    """The report as HTML, from the same context as the PDF. A POST, so the counselor's
    summary never lands in a URL, the browser history or an access log."""
    values = pick(form, FIELDS)
    data, errors = _parse(values)

    def show(valid: ReportRequest) -> Response:
        html = service.preview_html(session, actor=me, **_ids(subject), **valid.model_dump())
        return HTMLResponse(html, headers={"Content-Security-Policy": preview_csp(html)})

    return submit_form(session, data, errors, save=show, show=lambda problems: _report_form(
        request, session, me, subject, values, problems, status=422))


def _pdf(request: Request, session: Session, me: Counselor, subject: Subject, form: CheckedForm) -> Response:
    """Generate, record and download the PDF."""
    values = pick(form, FIELDS)
    data, errors = _parse(values)

    def download(valid: ReportRequest) -> Response:
        made = service.generate_report(session, actor=me, **_ids(subject), via="web", **valid.model_dump())
        return Response(made.pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "no-store",
        })

    return submit_form(session, data, errors, save=download, show=lambda problems: _report_form(
        request, session, me, subject, values, problems, status=422))


# --- a couple's report -------------------------------------------------------------


@router.get("/couples/{couple_id:id}/report")
def report_form(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    subject = load_subject(session, actor=me, couple_id=couple_id)
    return _report_form(request, session, me, subject, {"paper": "A4"}, FormErrors())


@router.post("/couples/{couple_id:id}/report/preview")
def report_preview(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                   form: CheckedForm) -> Response:
    return _preview(request, session, me, load_subject(session, actor=me, couple_id=couple_id), form)


@router.post("/couples/{couple_id:id}/report/pdf")
def report_pdf(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
               form: CheckedForm) -> Response:
    return _pdf(request, session, me, load_subject(session, actor=me, couple_id=couple_id), form)


# --- one client's report -----------------------------------------------------------


@router.get("/clients/{client_id:id}/report")
def client_report_form(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    subject = load_subject(session, actor=me, client_id=client_id)
    return _report_form(request, session, me, subject, {"paper": "A4"}, FormErrors())


@router.post("/clients/{client_id:id}/report/preview")
def client_report_preview(client_id: int, request: Request, session: SessionDep,
                          me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _preview(request, session, me, load_subject(session, actor=me, client_id=client_id), form)


@router.post("/clients/{client_id:id}/report/pdf")
def client_report_pdf(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                      form: CheckedForm) -> Response:
    return _pdf(request, session, me, load_subject(session, actor=me, client_id=client_id), form)
