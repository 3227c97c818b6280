"""Report pages for a couple or one client: choose a period and who the copy is for, preview as
HTML, make the PDF, and download any report made before.

The report service builds, renders, records and keeps; these routes parse the form (period,
audience, partner, shifted dates), with the same ``ReportRequest`` as the API, so both accept the
same choices and refuse the same combinations with the same messages.

The preview is the report's own HTML page with a navigation bar put first in its body
(``reports/_preview_bar.html``; the PDF never has it). Its stylesheets are inline (so the HTML is
self-contained for WeasyPrint), so the preview's CSP allows exactly those by their SHA-256 hashes
— no 'unsafe-inline', still no script and no fetch; its forms may post back to Mend only. The
counselor's summary never goes into a URL: the preview is a POST (posting it again writes only
an audit event), and its "Change these choices" and "Download this PDF" are POST forms carrying
the same choices as hidden fields. Making the PDF is a POST that records and keeps it, then
redirects (303) to ``GET /reports/{id}/pdf``, so a reload never makes a second report; that GET
hands out the kept file once its checksum matches.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.subjects import Subject, load_subject
from app.db import SessionDep
from app.reports import service
from app.reports.core.audience import CHOICES
from app.reports.models import Report
from app.reports.preview import download_headers, preview_csp, with_navigation
from app.reports.schemas import ReportRequest
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form
from app.web.templating import ENV, render

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


def _preview_page(request: Request, subject: Subject, values: dict[str, str], html: str) -> HTMLResponse:
    """The report's HTML with the navigation bar; its forms carry ``values`` as they were posted."""
    viewer = request.state.viewer
    bar = {"subject": subject, "choices": values, "csrf_token": viewer.csrf_token}
    page = with_navigation(html, nav=ENV.get_template("reports/_preview_bar.html").render(bar),
                           style=ENV.get_template("reports/_preview_bar.css").render())
    # The app's pages say "same-origin" in a <meta> (base.html); without it a browser's form post
    # from this page says "Origin: null" (the default no-referrer policy) and CSRF refuses it.
    return HTMLResponse(page, headers={"Content-Security-Policy": preview_csp(page, forms=True),
                                       "Referrer-Policy": "same-origin"})


def _preview(request: Request, session: Session, me: Counselor, subject: Subject, form: CheckedForm) -> Response:
    """The report as HTML, from the same context as the PDF. A POST, so the counselor's
    summary never lands in a URL, the browser history or an access log; it writes only the
    ``preview_report`` audit event, so posting it again (a reload) does no harm."""
    values = pick(form, FIELDS)
    data, errors = _parse(values)

    def show(valid: ReportRequest) -> Response:
        html = service.preview_html(session, actor=me, **_ids(subject), **valid.model_dump())
        return _preview_page(request, subject, values, html)

    return submit_form(session, data, errors, save=show, show=lambda problems: _report_form(
        request, session, me, subject, values, problems, status=422))


def _pdf(request: Request, session: Session, me: Counselor, subject: Subject, form: CheckedForm) -> Response:
    """Generate, record and keep the PDF, then send the browser to its download (303), so
    reloading the page the counselor was on never makes a second report."""
    values = pick(form, FIELDS)
    data, errors = _parse(values)

    def make(valid: ReportRequest) -> Response:
        generated = service.generate_report(session, actor=me, **_ids(subject), via="web", **valid.model_dump())
        return RedirectResponse(f"/reports/{generated.record.id}/pdf", status_code=303)

    return submit_form(session, data, errors, save=make, show=lambda problems: _report_form(
        request, session, me, subject, values, problems, status=422))


def _choices_again(request: Request, session: Session, me: Counselor, subject: Subject,
                   form: CheckedForm) -> Response:
    """The form filled with the choices posted from a preview ("Change these choices"). Checks
    nothing and writes nothing: the choices are checked when they are used."""
    return _report_form(request, session, me, subject, pick(form, FIELDS), FormErrors())


@router.get("/reports/{report_id:id}/pdf")
def report_download(report_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    """A report made before: the very file that was made, once it matches its checksum; else a
    page that says why not and offers a new one (409 for a file that doesn't match)."""
    copy = service.open_copy(session, actor=me, report_id=report_id, via="web")
    if copy.pdf is not None:
        return Response(copy.pdf, media_type="application/pdf", headers=download_headers(copy.report.filename))
    return render(request, "reports/copy_problem.html", {
        "subject": copy.subject, "report": copy.report, "problem": copy.problem,
        "audience": audience_text(copy.report, copy.subject),
    }, status=409 if copy.problem == "mismatch" else 410)


# --- a couple's report -------------------------------------------------------------


@router.get("/couples/{couple_id:id}/report")
def report_form(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    subject = load_subject(session, actor=me, couple_id=couple_id)
    return _report_form(request, session, me, subject, dict(DEFAULTS), FormErrors())


@router.post("/couples/{couple_id:id}/report")
def report_form_again(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                      form: CheckedForm) -> Response:
    return _choices_again(request, session, me, load_subject(session, actor=me, couple_id=couple_id), form)


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


@router.post("/clients/{client_id:id}/report")
def client_report_form_again(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                             form: CheckedForm) -> Response:
    return _choices_again(request, session, me, load_subject(session, actor=me, client_id=client_id), form)


@router.post("/clients/{client_id:id}/report/preview")
def client_report_preview(client_id: int, request: Request, session: SessionDep,
                          me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _preview(request, session, me, load_subject(session, actor=me, client_id=client_id), form)


@router.post("/clients/{client_id:id}/report/pdf")
def client_report_pdf(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                      form: CheckedForm) -> Response:
    return _pdf(request, session, me, load_subject(session, actor=me, client_id=client_id), form)
