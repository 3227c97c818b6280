"""What every public form response shares: templates, strict headers, the form cookie, assets.

Every page carries the same headers (no referrer, no caching, no indexing, a CSP allowing
only our own stylesheet and script), so a form page never lingers in a cache or leaks its
address, and the one calm "can't be used" page names no one.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.config import get_settings
from app.questionnaires.administrations.links import COOKIE_NAME, COOKIE_PATH, cookie_value
from app.questionnaires.administrations.openings import BROWSER_COOKIE
from app.questionnaires.models import Administration

HERE = Path(__file__).parent
ASSETS = {"form.css": "text/css; charset=utf-8", "form.js": "text/javascript; charset=utf-8"}
templates = Jinja2Templates(directory=str(HERE / "templates"))

PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
INVALID_STATUS = 404  # one status for unknown, expired, revoked and used links alike
BROWSER_COOKIE_DAYS = 400


@lru_cache(maxsize=len(ASSETS))
def asset(name: str) -> tuple[bytes, str]:
    """An asset's bytes and a short content hash for its URL."""
    data = (HERE / "static" / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


def asset_url(name: str) -> str:
    return f"/q-static/{name}?v={asset(name)[1]}"


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    context = {"css_url": asset_url("form.css"), "js_url": asset_url("form.js"), **context}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(PAGE_HEADERS)
    return response


def invalid(request: Request) -> Response:
    """The one calm page for every link that can't be used; it names no one."""
    response = render(request, "invalid.html", {}, status_code=INVALID_STATUS)
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH)
    return response


def redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers.update(PAGE_HEADERS)
    return response


def keep_form_cookie(response: Response, administration: Administration, *, unlocked: bool) -> Response:
    """(Re)set the form cookie: a browser-session cookie whose signed expiry is the idle limit,
    so closing the browser or leaving it alone for ``link_idle_minutes`` both end it.

    SameSite=Lax, not Strict: a link clicked in a webmail arrives cross-site, and browsers
    withhold Strict cookies for the whole redirect chain, so ``/q/form`` would never see it.
    Posts are guarded by the form's CSRF token."""
    response.set_cookie(
        COOKIE_NAME, cookie_value(administration, unlocked=unlocked), path=COOKIE_PATH,
        httponly=True, samesite="lax", secure=get_settings().secure_cookies,
    )
    return response


def keep_browser_cookie(response: Response, value: str) -> None:
    """A random id for this browser (never sent to anyone else, stored only as a keyed hash)."""
    response.set_cookie(
        BROWSER_COOKIE, value, max_age=BROWSER_COOKIE_DAYS * 86400, path=COOKIE_PATH,
        httponly=True, samesite="lax", secure=get_settings().secure_cookies,
    )
