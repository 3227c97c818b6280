"""create_app(): builds the FastAPI app, mounts routers, maps domain errors to HTTP."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from app import models  # noqa: F401  (every table registered before first use)
from app.audit.api import router as audit_router
from app.auth.api import router as auth_router
from app.clients.api import router as clients_router
from app.errors import DomainError, InvalidField, TooManyAttempts
from app.practice.api import router as practice_router
from app.sessions.api import router as sessions_router

log = logging.getLogger("mend")


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, InvalidField):
        detail = [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)


def _integrity_error(request: Request, exc: Exception) -> Response:
    log.info("integrity error on %s: %s", request.url.path, exc)
    return JSONResponse(
        {"detail": "This change conflicts with an existing record; nothing was saved"},
        status_code=409,
    )


def _data_error(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"detail": "A value is out of range for this field; nothing was saved"}, status_code=422
    )


def _busy(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable on %s: %s", request.url.path, exc)
    return JSONResponse(
        {"detail": "Mend is busy for a moment; nothing was saved, please try again"},
        status_code=503, headers={"Retry-After": "2"},
    )


def _security_headers(response: Response) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")


def create_app() -> FastAPI:
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

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        _security_headers(response)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

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


_ = RequestValidationError  # FastAPI's own 422 already names the field
app = create_app()
