"""The counselor web app: one router gathering every page module, plus static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

from app.web import (
    pages_admin,
    pages_agreements,
    pages_audit,
    pages_auth,
    pages_clients,
    pages_couples,
    pages_dashboard,
    pages_erasure,
    pages_outreach,
    pages_questionnaires,
    pages_records,
    pages_reports,
    pages_session_edit,
    pages_sessions,
    pages_two_factor,
)

STATIC_DIR = (Path(__file__).resolve().parent / "static").resolve()
# Only these types are served, with a charset where it matters; anything else is a 404.
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

router = APIRouter(include_in_schema=False)
for _module in (pages_auth, pages_dashboard, pages_clients, pages_couples, pages_agreements, pages_sessions,
                pages_session_edit, pages_questionnaires, pages_reports, pages_admin, pages_audit, pages_outreach,
                pages_records, pages_erasure, pages_two_factor):
    router.include_router(_module.router)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/static/{path:path}")
def static(path: str) -> FileResponse:
    """A file from app/web/static, never outside it, with an explicit content type."""
    target = (STATIC_DIR / path).resolve()
    media_type = CONTENT_TYPES.get(target.suffix.lower())
    if not target.is_relative_to(STATIC_DIR) or not target.is_file() or media_type is None:
        raise HTTPException(status_code=404)
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "no-cache"})
