"""Every error answer, in one place: an HTML page on browser paths, JSON on ``/api/...``.

``respond`` is the one responder that decides HTML or JSON; each exception handler below
only says which status and message an error means, and ``app.main`` registers them. The
handlers are coroutines because they do no I/O: a plain function would cost every error
answer a hop to a worker thread.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db import WriteInReadRequest
from app.errors import DomainError, InvalidField, TooManyAttempts
from app.web.deps import LoginRequired
from app.web.templating import render

log = logging.getLogger("mend")

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
CONFLICT = "This change conflicts with an existing record; nothing was saved"
OUT_OF_RANGE = "A value is out of range for this field; nothing was saved"
BUSY = "Mend is busy for a moment; nothing was saved, please try again"
UNREADABLE_ADDRESS = "The address has a value Mend could not read. Go back and use the links on the page."


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


def respond(request: Request, status: int, message: str, *, headers: dict[str, str] | None = None,
            detail: list[dict[str, Any]] | None = None, web_status: int | None = None) -> Response:
    """The error as a page for a browser (same status, unless ``web_status``) or as JSON for the
    API, in the two bodies its document declares (``app.routing``): a 422 is ``{"detail": [{"loc",
    "msg", "type"}, ...]}`` (``detail``, else the message as one item), every other status
    ``{"detail": message}``."""
    if is_web_path(request.url.path):
        shown = NOT_FOUND if status == 404 else message
        return error_page(request, web_status or status, shown, headers)
    if status == 422:
        items = detail or [{"loc": ["request"], "msg": message, "type": "value_error"}]
        body: dict[str, Any] = {"detail": items}
    else:
        body = {"detail": message}
    return JSONResponse(body, status_code=status, headers=headers)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    detail = ([{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}]
              if isinstance(exc, InvalidField) else None)
    return respond(request, exc.status_code, exc.message, headers=headers, detail=detail)


async def integrity_error(request: Request, exc: Exception) -> Response:
    log.info("integrity error on %s: %s", request.url.path, exc)
    return respond(request, 409, CONFLICT)


async def data_error(request: Request, exc: Exception) -> Response:
    return respond(request, 422, OUT_OF_RANGE)


async def busy(request: Request, exc: Exception) -> Response:
    if _refused_write(exc):  # a GET that wrote: the code's mistake, not a busy database
        raise WriteInReadRequest(f"a read request tried to write on {request.url.path}") from exc
    log.warning("database unavailable on %s: %s", request.url.path, exc)
    return respond(request, 503, BUSY, headers={"Retry-After": "2"})


def _refused_write(exc: Exception) -> bool:
    text = str(exc)
    return "readonly database" in text or "read-only transaction" in text


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "The request could not be handled."
    detail = exc.detail if isinstance(exc.detail, list) else None
    return respond(request, exc.status_code, message, headers=dict(exc.headers or {}), detail=detail)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return respond(request, 422, UNREADABLE_ADDRESS, detail=jsonable_encoder(exc.errors()), web_status=400)


async def login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(exc.location, status_code=303)
