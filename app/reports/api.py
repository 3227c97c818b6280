"""Progress reports API: PDF download, HTML preview, the list of generated reports and the
download of a kept one (``GET /reports/{id}/pdf``: the very file, once it matches its checksum).

The body's ``audience`` (clinical, couple, partner with ``partner_id``, supervision with
``dates_shifted``) says who the copy is for; a combination that does not fit this couple or
client is a 422 naming the field (``reports.gather.audience_choice``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.auth.deps import CurrentCounselor
from app.db import SessionDep
from app.reports import service
from app.reports.preview import download_headers, preview_csp
from app.reports.schemas import ReportPublic, ReportRequest
from app.routing import ApiRouter, binary, errors

router = ApiRouter(prefix="/api/v1", tags=["reports"])

NO_STORE = "no-store"

RequestBody = Annotated[ReportRequest, Body(default_factory=ReportRequest)]


NOT_KEPT = "This report was made before Mend kept copies of reports; make a new one"
MISMATCH = "The stored copy of this report doesn't match its checksum; it was not sent. Make a new one"


def _pdf_response(generated: service.GeneratedReport) -> Response:
    return Response(content=generated.pdf, media_type="application/pdf",
                    headers=download_headers(generated.filename))


def _html_response(html: str) -> HTMLResponse:
    # The preview is our own HTML with inline CSS and SVG; the browser may load nothing
    # else (a second lock behind autoescaping).
    return HTMLResponse(html, headers={"Cache-Control": NO_STORE, "Content-Security-Policy": preview_csp(html)})


def _public(entries: list[service.ReportEntry]) -> list[ReportPublic]:
    return [
        ReportPublic(
            **e.report.model_dump(exclude={"practice_id", "couple_id", "client_id"}),
            generated_by=e.generated_by_name,
            kept=e.kept,
        )
        for e in entries
    ]


@router.post("/couples/{couple_id:id}/reports", response_class=Response,
             responses=binary("application/pdf", "The report as a tagged PDF"))
def couple_report(couple_id: int, body: RequestBody, session: SessionDep,
                  counselor: CurrentCounselor) -> Response:
    """Generate a couple's progress report as a PDF download."""
    generated = service.generate_report(session, actor=counselor, couple_id=couple_id,
                                        **body.model_dump())
    return _pdf_response(generated)


@router.post("/couples/{couple_id:id}/reports/preview", response_class=HTMLResponse)
def couple_report_preview(couple_id: int, body: RequestBody, session: SessionDep,
                          counselor: CurrentCounselor) -> HTMLResponse:
    """The same report as HTML, for the web preview (no report is recorded)."""
    return _html_response(service.preview_html(session, actor=counselor, couple_id=couple_id,
                                               **body.model_dump()))


@router.get("/couples/{couple_id:id}/reports", response_model=list[ReportPublic])
def couple_reports(couple_id: int, session: SessionDep, counselor: CurrentCounselor) -> list[ReportPublic]:
    """Reports generated for this couple, newest first."""
    return _public(service.list_reports(session, actor=counselor, couple_id=couple_id))


@router.post("/clients/{client_id:id}/reports", response_class=Response,
             responses=binary("application/pdf", "The report as a tagged PDF"))
def client_report(client_id: int, body: RequestBody, session: SessionDep,
                  counselor: CurrentCounselor) -> Response:
    """Generate one client's progress report as a PDF download."""
    generated = service.generate_report(session, actor=counselor, client_id=client_id,
                                        **body.model_dump())
    return _pdf_response(generated)


@router.post("/clients/{client_id:id}/reports/preview", response_class=HTMLResponse)
def client_report_preview(client_id: int, body: RequestBody, session: SessionDep,
                          counselor: CurrentCounselor) -> HTMLResponse:
    """One client's report as HTML (no report is recorded)."""
    return _html_response(service.preview_html(session, actor=counselor, client_id=client_id,
                                               **body.model_dump()))


@router.get("/clients/{client_id:id}/reports", response_model=list[ReportPublic])
def client_reports(client_id: int, session: SessionDep, counselor: CurrentCounselor) -> list[ReportPublic]:
    """Reports generated for this client, newest first."""
    return _public(service.list_reports(session, actor=counselor, client_id=client_id))


@router.get("/reports/{report_id:id}/pdf", response_class=Response,
            responses={**binary("application/pdf", "The very PDF that was made"), **errors(409, 410)})
def report_pdf(report_id: int, session: SessionDep, counselor: CurrentCounselor) -> Response:
    """A report made before, as the very PDF that was made, once it matches its checksum
    (audited either way)."""
    copy = service.open_copy(session, actor=counselor, report_id=report_id, via="api")
    if copy.pdf is not None:
        return Response(copy.pdf, media_type="application/pdf", headers=download_headers(copy.report.filename))
    # Answered, not raised: the refusal's audit event is written when the request ends well.
    if copy.problem == "mismatch":
        return JSONResponse({"detail": MISMATCH}, status_code=409)
    return JSONResponse({"detail": NOT_KEPT}, status_code=410)
