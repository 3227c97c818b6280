"""The dashboard, "Today": today's sessions first, then what waits on the counselor (app.web.today)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service as clients
from app.clients.service import couples_public
from app.db import SessionDep, utcnow
from app.reports.core.formatting import day, zone
from app.sessions.models import TherapySession
from app.sessions.service import last_session_by_couple, list_sessions, next_planned_by_couple, upcoming_planned
from app.web import lookups, pages_outreach
from app.web.deps import CurrentWebCounselor
from app.web.templating import render
from app.web.today import Day, paperwork, todays_sessions, weekday_time

router = APIRouter()

NOT_SEEN_DAYS = 21
RECENT_SESSIONS = 8
#: "Later this week": planned sessions from tomorrow to the same weekday next week (practice zone).
PLANNED_DAYS = 7


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    today = Day.of(zone(request.state.viewer.timezone))
    recent, _ = list_sessions(session, actor=me, couple_id=None, client_id=None, q=None,
                              offset=0, limit=RECENT_SESSIONS, attendance=("held", "cancelled", "no_show"))
    later = upcoming_planned(session, actor=me, start=today.end, end=today.end + timedelta(days=PLANNED_DAYS))
    return render(request, "dashboard.html", {
        "today": today.start, "todays": todays_sessions(session, me, today),
        "paperwork": paperwork(session, me, today),
        "planned": later, "planned_names": lookups.session_names(session, later),
        "planned_when": {s.id: weekday_time(s.starts_at, today.zone) for s in later},
        "flags": lookups.open_flags(session, me),
        "link_alerts": lookups.caseload_link_alerts(session, me),
        "recent": recent,
        "names": lookups.session_names(session, recent),
        "not_seen": couples_not_seen(session, me, today.zone.key),
        "not_seen_days": NOT_SEEN_DAYS,
        "outreach_queue": pages_outreach.dashboard_queue(session, me),
    })


def couples_not_seen(session: Session, me: Counselor, zone_name: str,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Active couples whose last held session is older than NOT_SEEN_DAYS (or who have none),
    each with why it is listed in words."""
    now = now or utcnow()
    couples, _ = clients.list_couples(session, actor=me, q=None, status="active", offset=0, limit=500)
    cutoff = now - timedelta(days=NOT_SEEN_DAYS)
    rows = couples_public(session, couples)
    last_seen = last_session_by_couple(session, actor=me, couple_ids=[r.id for r in rows])
    out = [{"couple": row, "last_seen": last_seen.get(row.id)} for row in rows
           if last_seen.get(row.id) is None or last_seen[row.id] < cutoff]
    planned = next_planned_by_couple(session, actor=me, couple_ids=[r["couple"].id for r in out])
    for row in out:
        row["why"] = _not_seen_why(row["last_seen"], planned.get(row["couple"].id), now, zone_name)
    # Longest gap first; never seen at the top.
    return sorted(out, key=lambda r: (r["last_seen"] is not None, r["last_seen"] or 0))


def _not_seen_why(last: datetime | None, next_one: TherapySession | None, now: datetime, zone_name: str | None) -> str:
    seen = (f"not seen for {(now - last).days} days (last held session {day(last, zone_name)})" if last
            else "no held session yet")
    ahead = f"next planned {day(next_one.starts_at, zone_name)}" if next_one else "nothing planned"
    return f"{seen.capitalize()}; {ahead}"
