"""Report pages for a couple or one client: choose a period and who the copy is for, preview as
HTML, download the PDF.

The report service builds, renders and records; these routes parse the form (period, audience,
partner, shifted dates), with the same ``ReportRequest`` as the API, so both accept the same
choices and refuse the same combinations with the same messages.
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
from app.reports.core.audience import CHOICES
from app.reports.models import Report
from app.reports.preview import preview_csp
from app.reports.schemas import ReportRequest
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form
from app.web.templating import render

router = APIRouter()

FIELDS = ("period_start", "period_end", "summary", "paper", "audience", "partner_id", "dates_shifted")
FIELD_LABELS = {"period_start": "From", "period_end": "To", "summary": "Summary", "paper": "Paper size",
                "audience": "Who it is for", "partner_id": "Partner", "dates_shifted": "Shift dates"}
DEFAULTS = {"paper": "A4", "audience": "clinical"}


def audience_text(report: Report, subject: Subject) -> str:
    """A stored report's audience in the counselor's words, e.g. "For Maya only"."""
    if report.audience == "partner":
        person = next((p for p in subject.people if p.id == report.partner_id), None)
        return f"For {person.preferred_name or person.first_name} only" if person else "For one partner"
    text = CHOICES.get(report.audience, (report.audience, ""))[0]  # type: ignore[call-overload]
    return f"{text}, dates shifted" if report.dates_shifted else text


def _report_form(request: Request, session: Session, me: Counselor, subject: Subject,
                 values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    choices = dict(CHOICES)
    if subject.couple is None:  # one client: no couple's copy, and their own copy is "for the client"
        del choices["couple"]
        choices["partner"] = ("For the client", "The client's own scores and sessions, to give to them.")
    audiences = [(key, title, hint) for key, (title, hint) in choices.items()]
    partners = [(p.id, p.display_name) for p in subject.people]
    reports = [(entry, audience_text(entry.report, subject))
               for entry in service.list_reports(session, actor=me, **_ids(subject))]
    return render(request, "reports/form.html", {
        "subject": subject, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "audiences": audiences, "partners": partners, "reports": reports,
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
    return _report_form(request, session, me, subject, dict(DEFAULTS), FormErrors())


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
    return _report_form(request, session, me, subject, dict(DEFAULTS), FormErrors())


@router.post("/clients/{client_id:id}/report/preview")
def client_report_preview(client_id: int, request: Request, session: SessionDep,
                          me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _preview(request, session, me, load_subject(session, actor=me, client_id=client_id), form)


@router.post("/clients/{client_id:id}/report/pdf")
def client_report_pdf(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                      form: CheckedForm) -> Response:
    return _pdf(request, session, me, load_subject(session, actor=me, client_id=client_id), form)
