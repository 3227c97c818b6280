"""Error pages for browser paths; ``/api/...`` keeps its JSON answers (see app.main)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import DomainError, TooManyAttempts
from app.web.deps import LoginRequired
from app.web.templating import render

TITLES = {
    400: "Something in the request was not right",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "This can't be changed",
    422: "Please check what was entered",
    429: "Too many attempts",
    503: "Mend is busy",
}
NOT_FOUND = "We could not find that page. It may have been removed, or it is not in your caseload."


def is_web_path(path: str) -> bool:
    """Browser pages: everything except the JSON API."""
    return not (path == "/api" or path.startswith("/api/"))


def error_page(request: Request, status: int, message: str,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    """A calm HTML page saying what happened and what to do next."""
    response = render(request, "error.html", {
        "status": status, "title": TITLES.get(status, "Something went wrong"), "message": message,
        "public": request.url.path.startswith("/q/"),
    }, status=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def domain_error_page(request: Request, exc: DomainError) -> HTMLResponse:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    message = NOT_FOUND if exc.status_code == 404 else exc.message
    return error_page(request, exc.status_code, message, headers)


def http_error_page(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 404:
        return error_page(request, 404, NOT_FOUND)
    message = exc.detail if isinstance(exc.detail, str) else "The request could not be handled."
    return error_page(request, exc.status_code, message, dict(exc.headers or {}))


def validation_error_page(request: Request) -> HTMLResponse:
    return error_page(request, 400, "The address has a value Mend could not read. "
                                    "Go back and use the links on the page.")


def login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(exc.location, status_code=303)
