"""Jinja2 environment for the counselor pages and the one helper that renders them.

Every template autoescapes (whatever its name): names, notes and answers are typed
by people and must never become markup.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context

from app.web import charts

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

LABELS = {
    "infidelity": "Infidelity",
    "emotional_affair": "Emotional affair",
    "deception": "Deception",
    "financial_betrayal": "Financial betrayal",
    "neglect": "Neglect",
    "manipulation": "Manipulation",
    "addiction": "Addiction",
    "other": "Other",
    "in_person": "In person",
    "video": "Video",
    "phone": "Phone",
    "boundary": "Boundary",
    "rule": "Rule",
    "amend": "Amend",
    "transparency_practice": "Transparency practice",
    "kept": "Kept",
    "partly": "Partly kept",
    "not_kept": "Not kept",
    "broken": "Broken",
    "retired": "Retired",
    "active": "Active",
    "paused": "Paused",
    "discharged": "Discharged",
    "draft": "Draft",
    "signed": "Signed",
    "pending": "Pending",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "expired": "Expired",
    "revoked": "Revoked",
    "owner": "Owner",
    "counselor": "Counselor",
}

# Messages shown after a redirect (?notice=key): a fixed list, so a URL can't put text on a page.
NOTICES = {
    "signed-out": "You are signed out.",
    "client-created": "Client added.",
    "client-saved": "Client details saved.",
    "client-discharged": "Client discharged.",
    "couple-created": "Couple added.",
    "session-created": "Session recorded.",
    "note-saved": "Draft saved.",
    "note-signed": "Note signed. It is now locked; corrections go in an addendum.",
    "addendum-added": "Addendum added.",
    "checkins-saved": "Check-ins saved.",
    "agreement-created": "Agreement added.",
    "agreement-updated": "Agreement updated.",
    "link-revoked": "The link was revoked; it no longer opens the questionnaire.",
    "practice-saved": "Practice settings saved.",
    "counselor-added": "Counselor added.",
    "counselor-saved": "Counselor updated.",
}


def label(value: object) -> str:
    """A counselor-facing label for a stored code (e.g. ``in_person`` -> ``In person``)."""
    text = str(value) if value is not None else ""
    return LABELS.get(text, text.replace("_", " ").capitalize())


@pass_context
def local_time(ctx: Context, value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A UTC time shown in the practice's time zone."""
    if value is None:
        return "—"
    zone = ZoneInfo(ctx.get("timezone") or "UTC")
    return value.astimezone(zone).strftime(fmt)


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%d %b %Y")


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(label=label, local=local_time, day=day, score=score)
    env.globals.update(trajectory=charts.trajectory, swatch=charts.swatch)
    return env


ENV = _environment()


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render a page; the signed-in counselor, CSRF token and notice come from request.state."""
    viewer = getattr(request.state, "viewer", None)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    values: dict[str, Any] = {
        "request": request,
        "viewer": viewer,
        "me": viewer,
        "csrf_token": viewer.csrf_token if viewer else "",
        "timezone": viewer.timezone if viewer else "UTC",
        "notice": notice,
        "errors": {},
        "values": {},
        "path": request.url.path,
    }
    values.update(context or {})
    html = ENV.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)
