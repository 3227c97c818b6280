"""create_app(): builds the FastAPI app, includes every router, maps errors to answers.

The wiring is explicit: every router is imported and included here by name, and every
exception handler lives in ``app.web.errors`` (one responder decides HTML or JSON).
Nothing in ``app`` imports this module; ``mend serve`` hands uvicorn the path
``app.main:app``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import models  # noqa: F401  (every table registered before first use)
from app.auth.api import router as auth_router
from app.clients.api import router as clients_router
from app.errors import DomainError
from app.instruments.catalog import default_catalog
from app.outreach.api import router as outreach_router
from app.practice.api import router as practice_router
from app.questionnaires.api import router as questionnaires_router
from app.questionnaires.public.gate import router as link_gate_router
from app.questionnaires.public.quiet import router as quiet_router
from app.questionnaires.public.router import router as public_form_router
from app.reports.api import router as reports_router
from app.security_headers import SecurityHeaders
from app.sessions.api import router as sessions_router
from app.web import errors
from app.web.deps import LoginRequired
from app.web.routes import router as web_router

ROUTERS = (auth_router, practice_router, clients_router, sessions_router, questionnaires_router,
           reports_router, outreach_router, link_gate_router, quiet_router, public_form_router,
           web_router)  # the gate and /q/quiet before /q/{token}


def create_app() -> FastAPI:
    # Questionnaire files are checked now, so a broken or edited-in-place definition stops
    # start-up with a message naming the file and item, instead of failing a client's form.
    default_catalog()
    app = FastAPI(
        title="Mend",
        description="Practice support for couples counselors rebuilding trust.",
        version="0.1.0",
    )
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(DomainError, errors.domain_error)
    app.add_exception_handler(IntegrityError, errors.integrity_error)
    app.add_exception_handler(DataError, errors.data_error)
    app.add_exception_handler(OverflowError, errors.data_error)
    app.add_exception_handler(OperationalError, errors.busy)
    app.add_exception_handler(StarletteHTTPException, errors.http_error)
    app.add_exception_handler(RequestValidationError, errors.validation_error)
    app.add_exception_handler(LoginRequired, errors.login_redirect)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
