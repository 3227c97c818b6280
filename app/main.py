"""create_app(): builds the FastAPI app, mounts routers, maps domain errors to HTTP."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import models  # noqa: F401  (every table registered before first use)
from app.audit.api import router as audit_router
from app.auth.api import router as auth_router
from app.clients.api import router as clients_router
from app.errors import DomainError, InvalidField, TooManyAttempts
from app.practice.api import router as practice_router
from app.questionnaires.catalog import default_catalog
from app.security_headers import SecurityHeaders
from app.sessions.api import router as sessions_router
from app.web import errors as web_errors
from app.web.deps import LoginRequired

log = logging.getLogger("mend")


# Browser pages get the same status codes as the API, as an HTML page instead of JSON.
_web = web_errors.is_web_path



def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if _web(request.url.path):
        return web_errors.domain_error_page(request, exc)
    if isinstance(exc, InvalidField):
        detail = [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)


def _integrity_error(request: Request, exc: Exception) -> Response:
    log.info("integrity error on %s: %s", request.url.path, exc)
    message = "This change conflicts with an existing record; nothing was saved"
    if _web(request.url.path):
        return web_errors.error_page(request, 409, message)
    return JSONResponse({"detail": message}, status_code=409)


def _data_error(request: Request, exc: Exception) -> Response:
    message = "A value is out of range for this field; nothing was saved"
    if _web(request.url.path):
        return web_errors.error_page(request, 422, message)
    return JSONResponse({"detail": message}, status_code=422)


def _busy(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable on %s: %s", request.url.path, exc)
    message = "Mend is busy for a moment; nothing was saved, please try again"
    if _web(request.url.path):
        return web_errors.error_page(request, 503, message, {"Retry-After": "2"})
    return JSONResponse({"detail": message}, status_code=503, headers={"Retry-After": "2"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _web(request.url.path):
        return web_errors.http_error_page(request, exc)
    return await http_exception_handler(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _web(request.url.path):
        return web_errors.validation_error_page(request)
    return await request_validation_exception_handler(request, exc)


def create_app() -> FastAPI:
    # Questionnaire files are checked now, so a broken or edited-in-place definition stops
    # start-up with a message naming the file and item, instead of failing a client's form.
    default_catalog()
    app = FastAPI(
        title="Mend",
        description="Practice support for couples counselors rebuilding trust.",
        version="0.1.0",
    )
    for router in (auth_router, practice_router, clients_router, sessions_router, audit_router):
        app.include_router(router)
    _mount_optional(app)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OverflowError, _data_error)
    app.add_exception_handler(OperationalError, _busy)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(LoginRequired, web_errors.login_redirect)

    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _mount_optional(app: FastAPI) -> None:
    """Routers of later features; each registers itself here once it exists."""
    for module_name in ("app.questionnaires.api", "app.questionnaires.public",
                        "app.reports.api", "app.web.routes"):
        try:
            module = __import__(module_name, fromlist=["router"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        app.include_router(module.router)


app = create_app()
