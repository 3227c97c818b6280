"""The audit log, for the practice owner."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.audit.service import list_events
from app.auth import service as auth
from app.db import SessionDep
from app.web.deps import CurrentWebCounselor
from app.web.pages_admin import require_owner
from app.web.paging import pager
from app.web.templating import render

router = APIRouter()


@router.get("/audit")
def audit_page(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    require_owner(me)
    page = pager(request, per_page=50)
    rows, total = list_events(session, practice_id=me.practice_id, offset=page.offset, limit=page.per_page)
    people = {c.id: c.full_name for c in auth.list_counselors(session, actor=me)}
    return render(request, "admin/audit.html", {"events": rows, "page": page.with_total(total),
                                                "people": people})
