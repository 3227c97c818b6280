"""Jinja2 environment for the counselor pages and the one helper that renders them.

Every template autoescapes (whatever its name): names, notes and answers are typed
by people and must never become markup. Numbers, dates and charts come from the report's
pure core (``app.reports.core``), so a page and a PDF show them the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader

from app.clients.subjects import Subject
from app.reports.core import charts
from app.reports.core.formatting import FILTERS
from app.web.lookups import days_open, open_for

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Messages shown after a redirect (?notice=key): a fixed list, so a URL can't put text on a page.
# A notice whose redirect lands on a section (``#checkins-h``) names that section in PLACED, and
# the section shows it under its heading (``m.notice_at``), where the eye is after the jump; the
# others show at the top of the page.
NOTICES = {
    "signed-out": "You are signed out.",
    "client-created": "Client added.",
    "client-saved": "Client details saved.",
    "client-discharged": "Client discharged. Their schedules have ended and no message waits for them.",
    "couple-discharged": "Couple discharged. Their schedules have ended and no message waits for them.",
    "couple-created": "Couple added.",
    "client-reassigned": "Counselor changed. The change is in the audit log.",
    "couple-reassigned": "Counselor changed, with the partners' records the last one held. It is in the audit log.",
    "session-created": "Session recorded.",
    "session-planned": "Session planned.",
    "marked-held": "Marked held. Write the note below.",
    "marked-cancelled": "Marked cancelled.",
    "marked-no_show": "Marked as a no-show.",
    "note-saved": "Draft saved.",
    "note-signed": "Note signed. It is now locked; corrections go in an addendum.",
    "addendum-added": "Addendum added.",
    "session-corrected": "Details corrected. The correction is listed here, with your name.",
    "session-unchanged": "Nothing to correct: the details were already so.",
    "session-deleted": "Session deleted.",
    "note-already-signed": "This note is already signed with this text; nothing was changed.",
    "checkins-saved": "Check-ins saved.",
    "agreement-created": "Agreement added.",
    "agreement-updated": "Agreement updated.",
    "agreement-retired": "Agreement retired. It stays in the record.",
    "link-revoked": "The link was revoked; it no longer opens the questionnaire.",
    "practice-saved": "Practice settings saved.",
    "record-erased": "Erased. Only the ids and dates remain; the audit log has one entry for it.",
    "counselor-added": "Counselor added.",
    "counselor-saved": "Counselor updated.",
    "flag-resolved": "Flag marked as dealt with. It stays in the record and can be reopened.",
    "flag-reopened": "Flag reopened.",
    "schedule-added": "Schedule added. Anything due now is ready: see Messages to pass on.",
    "schedule-saved": "Schedule changed.",
    "schedule-paused": "Schedule paused. Nothing new is sent until you resume it.",
    "schedule-resumed": "Schedule resumed. What fell due while it was paused is not sent.",
    "schedule-stopped": "Schedule stopped. Messages not yet sent are cancelled; links already sent still work.",
    "message-passed-on": "Marked as passed on. Any reminders count from now.",
    "message-released": "The message is in your outbox, to hand on in person.",
}
PLACED = {
    "addendum-added": "addenda", "checkins-saved": "checkins", "agreement-created": "agreements",
    "agreement-retired": "agreements", "link-revoked": "links",
    "session-corrected": "corrections", "note-already-signed": "note", "marked-held": "note",
}


def with_notice(path: str, notice: str) -> str:
    """``path`` with ``?notice=…`` (one of ``NOTICES``) added before any ``#fragment``."""
    base, hash_mark, fragment = path.partition("#")
    return f"{base}{'&' if '?' in base else '?'}notice={notice}{hash_mark}{fragment}"


def record_page(couple_id: int | None, client_id: int) -> str:
    """Where a record is listed: its couple's page, or (without a couple) its client's."""
    return f"/couples/{couple_id}" if couple_id else f"/clients/{client_id}"


def subject_page(subject: Subject) -> str:
    """The couple's or client's own page; the shared send and report pages live under it."""
    return record_page(subject.couple_id, subject.id)


def subject_list(subject: Subject) -> tuple[str, str]:
    """The list a couple or client is found in: ``(address, name)``."""
    return ("/couples", "Couples") if subject.kind == "couple" else ("/clients", "Clients")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(flag_age=lambda raised_at: open_for(days_open(raised_at)),
                       trajectory_chart=charts.trajectory_chart, legend_swatch=charts.legend_swatch,
                       subject_page=subject_page, subject_list=subject_list, record_page=record_page)
    return env


ENV = _environment()


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render a page; the signed-in counselor, CSRF token and notice come from request.state."""
    viewer = getattr(request.state, "viewer", None)
    key = request.query_params.get("notice", "")
    notice = NOTICES.get(key)
    values: dict[str, Any] = {
        "request": request,
        "viewer": viewer,
        "me": viewer,
        "csrf_token": viewer.csrf_token if viewer else "",
        "timezone": viewer.timezone if viewer else "UTC",
        "notice": notice,
        "notice_place": PLACED.get(key) if notice else None,
        "errors": {},
        "values": {},
        "path": request.url.path,
    }
    values.update(context or {})
    html = ENV.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)
