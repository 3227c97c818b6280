"""The owner erases a mistaken entry (or a record past retention) from its page, after a confirmation page.

GET shows whether the record may be erased and why (or the refusal naming the date it becomes
possible); POST needs the name typed exactly and answers with a 303 to the kept, anonymised row.
Everything is decided by ``app.records.erasure``; anyone but the owner gets a 403.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.db import SessionDep
from app.errors import Conflict, InvalidField
from app.records import erasure
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, from_invalid, text
from app.web.templating import render

router = APIRouter()


def _page(request: Request, session: Session, me: Counselor, *, kind: str, row_id: int,
          errors: FormErrors | None = None, typed: str = "", status: int = 200) -> Response:
    if kind == "client":
        verdict = erasure.client_verdict(session, actor=me, client_id=row_id)
        row: Client | Couple | None = session.get(Client, row_id)
        back = f"/clients/{row_id}"
    else:
        verdict = erasure.couple_verdict(session, actor=me, couple_id=row_id)
        row = session.get(Couple, row_id)
        back = f"/couples/{row_id}"
    assert row is not None
    return render(request, "records/erase.html", {
        "kind": kind, "row_id": row_id, "verdict": verdict, "back": back,
        "expected": erasure.confirmation_name(session, row), "typed": typed,
        "errors": errors or FormErrors(), "labels": {"confirm_name": "Name, to confirm"},
    }, status=status if verdict.allowed or status != 200 else 409)


def _post(request: Request, session: Session, me: Counselor, form: CheckedForm, *, kind: str, row_id: int) -> Response:
    typed = text(form, "confirm_name")
    try:
        if kind == "client":
            erasure.erase_client(session, actor=me, client_id=row_id, confirm_name=typed)
        else:
            erasure.erase_couple(session, actor=me, couple_id=row_id, confirm_name=typed)
    except InvalidField as exc:
        session.rollback()
        return _page(request, session, me, kind=kind, row_id=row_id, errors=from_invalid(exc), typed=typed,
                     status=422)
    except Conflict:
        session.rollback()
        return _page(request, session, me, kind=kind, row_id=row_id, status=409)
    where = "clients" if kind == "client" else "couples"
    return RedirectResponse(f"/{where}/{row_id}?notice=record-erased", status_code=303)


@router.get("/clients/{client_id:id}/erase")
def client_erase_page(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _page(request, session, me, kind="client", row_id=client_id)


@router.post("/clients/{client_id:id}/erase")
def client_erase(client_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                 form: CheckedForm) -> Response:
    return _post(request, session, me, form, kind="client", row_id=client_id)


@router.get("/couples/{couple_id:id}/erase")
def couple_erase_page(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    return _page(request, session, me, kind="couple", row_id=couple_id)


@router.post("/couples/{couple_id:id}/erase")
def couple_erase(couple_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                 form: CheckedForm) -> Response:
    return _post(request, session, me, form, kind="couple", row_id=couple_id)
