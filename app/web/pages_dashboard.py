"""The dashboard: what needs the counselor's attention first."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service as clients
from app.clients.service import couples_public
from app.db import SessionDep, utcnow
from app.reports.core.formatting import zone
from app.sessions.service import last_session_by_couple, list_sessions, next_planned_by_couple, upcoming_planned
from app.web import lookups, pages_outreach
from app.web.deps import CurrentWebCounselor
from app.web.templating import render

router = APIRouter()

NOT_SEEN_DAYS = 21
RECENT_SESSIONS = 8
#: Planned sessions shown: from today's midnight (so today's are there to mark) to the end of the
#: same weekday next week, in the practice's zone.
PLANNED_DAYS = 7


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    recent, _ = list_sessions(session, actor=me, couple_id=None, client_id=None, q=None,
                              offset=0, limit=RECENT_SESSIONS, attendance=("held", "cancelled", "no_show"))
    local = zone(request.state.viewer.timezone)
    today = datetime.combine(datetime.now(local).date(), time(), tzinfo=local)
    planned = upcoming_planned(session, actor=me, start=today, end=today + timedelta(days=PLANNED_DAYS + 1))
    return render(request, "dashboard.html", {
        "planned": planned, "planned_names": lookups.session_names(session, planned),
        "flags": lookups.open_flags(session, me),
        "link_alerts": lookups.caseload_link_alerts(session, me),
        "waiting": lookups.waiting_questionnaires(session, me),
        "recent": recent,
        "names": lookups.session_names(session, recent),
        "not_seen": couples_not_seen(session, me),
        "not_seen_days": NOT_SEEN_DAYS,
        "outreach_queue": pages_outreach.dashboard_queue(session, me),
    })


def couples_not_seen(session: Session, me: Counselor) -> list[dict[str, Any]]:
    """Active couples whose last session is older than NOT_SEEN_DAYS (or who have none)."""
    couples, _ = clients.list_couples(session, actor=me, q=None, status="active", offset=0, limit=500)
    cutoff = utcnow() - timedelta(days=NOT_SEEN_DAYS)
    rows = couples_public(session, couples)
    last_seen = last_session_by_couple(session, actor=me, couple_ids=[r.id for r in rows])
    out = [{"couple": row, "last_seen": last_seen.get(row.id)} for row in rows
           if last_seen.get(row.id) is None or last_seen[row.id] < cutoff]
    planned = next_planned_by_couple(session, actor=me, couple_ids=[r["couple"].id for r in out])
    for row in out:
        row["next_planned"] = planned.get(row["couple"].id)
    # Longest gap first; never seen at the top.
    return sorted(out, key=lambda r: (r["last_seen"] is not None, r["last_seen"] or 0))
