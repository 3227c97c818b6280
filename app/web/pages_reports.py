"""Report pages: choose a period, preview the report as HTML, download the PDF.

The report service builds, renders and records; these routes parse the period form.
The preview is the report's own HTML page. Its stylesheet is inline (so the HTML is
self-contained for WeasyPrint), so the preview's CSP allows exactly that stylesheet
by its SHA-256 hash — no 'unsafe-inline', and still no script at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service as clients
from app.db import SessionDep
from app.errors import InvalidField
from app.reports import service
from app.reports.schemas import ReportRequest
from app.web import lookups
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, from_invalid, parse, pick
from app.web.templating import render

router = APIRouter()

FIELDS = ("period_start", "period_end", "summary", "paper")
FIELD_LABELS = {"period_start": "From", "period_end": "To", "summary": "Summary", "paper": "Paper size"}
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def preview_csp(html: str) -> str:
    """Our page CSP, with the report's own inline stylesheet(s) allowed by hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in _STYLE.findall(html)
    )
    return ("default-src 'none'; script-src 'none'; "
            f"style-src {hashes or chr(39) + 'none' + chr(39)}; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'none'; base-uri 'none'")


def _report_form(request: Request, session: Session, me: Counselor, couple_id: int,
                 values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    couple = lookups.couple_rows(session, [clients.get_couple(session, actor=me, couple_id=couple_id)])[0]
    return render(request, "reports/form.html", {
        "couple": couple, "values": values, "errors": errors, "labels": FIELD_LABELS,
        "reports": service.list_reports(session, actor=me, couple_id=couple_id),
    }, status=status)


@router.get("/couples/{couple_id:int}/report")
def report_form(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _report_form(request, session, me, couple_id, {"paper": "A4"}, FormErrors())


def _parse(values: dict[str, str]) -> tuple[ReportRequest | None, FormErrors]:
    return parse(ReportRequest, {k: v for k, v in values.items() if k in FIELDS and v})


@router.get("/couples/{couple_id:int}/report/preview")
def report_preview(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    """The report as HTML, from the same context as the PDF (a GET: it only writes an audit event)."""
    values = {k: request.query_params.get(k, "").strip() for k in FIELDS}
    data, errors = _parse(values)
    if data is not None:
        try:
            html = service.preview_html(session, actor=me, couple_id=couple_id, **data.model_dump())
            return HTMLResponse(html, headers={"Content-Security-Policy": preview_csp(html)})
        except InvalidField as exc:
            errors = from_invalid(exc)
    return _report_form(request, session, me, couple_id, values, errors, status=422)


@router.post("/couples/{couple_id:int}/report/pdf")
def report_pdf(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
               form: CheckedForm) -> Response:
    """Generate, record and download the PDF."""
    values = pick(form, FIELDS)
    data, errors = _parse(values)
    if data is not None:
        try:
            made = service.generate_report(session, actor=me, couple_id=couple_id, via="web", **data.model_dump())
            return Response(made.pdf, media_type="application/pdf", headers={
                "Content-Disposition": f'attachment; filename="{made.filename}"',
                "Cache-Control": "no-store",
            })
        except InvalidField as exc:
            session.rollback()
            errors = from_invalid(exc)
    return _report_form(request, session, me, couple_id, values, errors, status=422)
