"""Exporting records from the web app: a couple's or a client's record as one zip (their page's
"Export this record"), and the whole practice for the owner (``/practice/export``).

Each is a POST with the form's CSRF token, run in a write transaction so its ``export`` audit event
is committed with it; the zip comes back as an attachment that no cache keeps. The caseload is
checked by ``load_subject`` inside the export: another counselor's or practice's id is a 404, a
counselor asking for the practice a 403.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import Forbidden
from app.records.export import Export, export_practice, export_record
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.templating import render

router = APIRouter()


def _zip(made: Export) -> Response:
    return Response(made.data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "no-store"})


@router.post("/couples/{couple_id:id}/export")
def couple_export(couple_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _zip(export_record(session, actor=me, couple_id=couple_id, via="web"))


@router.post("/clients/{client_id:id}/export")
def client_export(client_id: int, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _zip(export_record(session, actor=me, client_id=client_id, via="web"))


@router.get("/practice/export")
def practice_export_page(request: Request, me: CurrentWebCounselor) -> Response:
    if not me.is_owner:
        raise Forbidden("Only the practice owner can export the whole practice")
    return render(request, "records/practice_export.html", {})


@router.post("/practice/export")
def practice_export(session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    return _zip(export_practice(session, actor=me, via="web"))
