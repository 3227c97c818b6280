"""Therapy sessions, addenda, agreements and check-ins API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status

from app.auth.deps import CurrentCounselor
from app.db import SessionDep
from app.fields import RecordId
from app.pagination import Page, PageDep
from app.routing import ApiRouter, errors
from app.sessions import agreements, service
from app.sessions.models import TherapySession
from app.sessions.schemas import (
    AddendumCreate,
    AddendumPublic,
    AgreementCreate,
    AgreementPublic,
    AgreementUpdate,
    Attendance,
    CheckInCreate,
    CheckInPublic,
    SessionCorrection,
    SessionCreate,
    SessionPublic,
    SessionSummary,
    SessionUpdate,
    StatusChangePublic,
)

router = ApiRouter(prefix="/api/v1", tags=["sessions"])


def _public(session: SessionDep, found: TherapySession) -> SessionPublic:
    addenda = [AddendumPublic.model_validate(a) for a in service.list_addenda(session, session_id=found.id)]
    return SessionPublic.model_validate({**found.model_dump(), "addenda": addenda})


@router.get("/sessions", response_model=Page[SessionSummary], responses=errors(404))
def list_sessions(
    session: SessionDep, counselor: CurrentCounselor, page: PageDep,
    couple_id: Annotated[RecordId | None, Query()] = None,
    client_id: Annotated[RecordId | None, Query()] = None,
    attendance: Annotated[Attendance | None, Query()] = None,
) -> Page[SessionSummary]:
    rows, total = service.list_sessions(
        session, actor=counselor, couple_id=couple_id, client_id=client_id, q=page.q,
        offset=page.offset, limit=page.limit, attendance=attendance,
    )
    return Page.of(rows, total, page, SessionSummary)


@router.get("/couples/{couple_id:id}/sessions", response_model=Page[SessionSummary])
def couple_sessions(
    couple_id: int, session: SessionDep, counselor: CurrentCounselor, page: PageDep,
    attendance: Annotated[Attendance | None, Query()] = None,
) -> Page[SessionSummary]:
    return list_sessions(session, counselor, page, couple_id=couple_id, client_id=None, attendance=attendance)


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
def create_session(data: SessionCreate, session: SessionDep, counselor: CurrentCounselor) -> SessionPublic:
    return _public(session, service.create_session(session, actor=counselor, data=data))


@router.get("/sessions/{session_id:id}", response_model=SessionPublic)
def get_session(session_id: int, session: SessionDep, counselor: CurrentCounselor) -> SessionPublic:
    return _public(session, service.read_note(session, actor=counselor, session_id=session_id))


@router.patch("/sessions/{session_id:id}", response_model=SessionPublic)
def update_session(
    session_id: int, data: SessionUpdate, session: SessionDep, counselor: CurrentCounselor
) -> SessionPublic:
    found = service.update_session(session, actor=counselor, session_id=session_id, data=data)
    return _public(session, found)


@router.post("/sessions/{session_id:id}/corrections", response_model=SessionPublic)
def correct_session(
    session_id: int, data: SessionCorrection, session: SessionDep, counselor: CurrentCounselor
) -> SessionPublic:
    """Correct when, how long and where a session took place, or its attendance; audited with the
    old and new values, and allowed on a signed session except for attendance."""
    found, _ = service.correct_session(session, actor=counselor, session_id=session_id, data=data)
    return _public(session, found)


@router.delete("/sessions/{session_id:id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_session(session_id: int, session: SessionDep, counselor: CurrentCounselor) -> Response:
    service.delete_session(session, actor=counselor, session_id=session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sessions/{session_id:id}/sign", response_model=SessionPublic)
def sign_session(session_id: int, session: SessionDep, counselor: CurrentCounselor) -> SessionPublic:
    return _public(session, service.sign_session(session, actor=counselor, session_id=session_id))


@router.get("/sessions/{session_id:id}/addenda", response_model=list[AddendumPublic])
def list_addenda(session_id: int, session: SessionDep, counselor: CurrentCounselor) -> list[AddendumPublic]:
    found = service.read_note(session, actor=counselor, session_id=session_id)
    return [AddendumPublic.model_validate(a) for a in service.list_addenda(session, session_id=found.id)]


@router.post("/sessions/{session_id:id}/addenda", response_model=AddendumPublic,
             status_code=status.HTTP_201_CREATED)
def add_addendum(
    session_id: int, data: AddendumCreate, session: SessionDep, counselor: CurrentCounselor
) -> AddendumPublic:
    added = service.add_addendum(session, actor=counselor, session_id=session_id, data=data)
    return AddendumPublic.model_validate(added)


@router.get("/couples/{couple_id:id}/agreements", response_model=Page[AgreementPublic])
def list_agreements(
    couple_id: int, session: SessionDep, counselor: CurrentCounselor, page: PageDep
) -> Page[AgreementPublic]:
    rows, total = agreements.page_agreements(
        session, actor=counselor, couple_id=couple_id, q=page.q, offset=page.offset, limit=page.limit
    )
    return Page.of(rows, total, page, AgreementPublic)


@router.post("/couples/{couple_id:id}/agreements", response_model=AgreementPublic,
             status_code=status.HTTP_201_CREATED)
def create_agreement(
    couple_id: int, data: AgreementCreate, session: SessionDep, counselor: CurrentCounselor
) -> AgreementPublic:
    made = agreements.create_agreement(session, actor=counselor, couple_id=couple_id, data=data)
    return AgreementPublic.model_validate(made)


@router.get("/agreements/{agreement_id:id}", response_model=AgreementPublic)
def get_agreement(agreement_id: int, session: SessionDep, counselor: CurrentCounselor) -> AgreementPublic:
    return AgreementPublic.model_validate(
        agreements.get_agreement(session, actor=counselor, agreement_id=agreement_id)
    )


@router.patch("/agreements/{agreement_id:id}", response_model=AgreementPublic)
def update_agreement(
    agreement_id: int, data: AgreementUpdate, session: SessionDep, counselor: CurrentCounselor
) -> AgreementPublic:
    changed = agreements.update_agreement(session, actor=counselor, agreement_id=agreement_id, data=data)
    return AgreementPublic.model_validate(changed)


@router.post("/agreements/{agreement_id:id}/retire", response_model=AgreementPublic)
def retire_agreement(agreement_id: int, session: SessionDep, counselor: CurrentCounselor) -> AgreementPublic:
    changed = agreements.update_agreement(
        session, actor=counselor, agreement_id=agreement_id, data=AgreementUpdate(status="retired")
    )
    return AgreementPublic.model_validate(changed)


@router.get("/agreements/{agreement_id:id}/history", response_model=list[StatusChangePublic])
def agreement_history(
    agreement_id: int, session: SessionDep, counselor: CurrentCounselor
) -> list[StatusChangePublic]:
    rows = agreements.status_history(session, actor=counselor, agreement_id=agreement_id)
    return [StatusChangePublic.model_validate(r) for r in rows]


@router.get("/agreements/{agreement_id:id}/checkins", response_model=list[CheckInPublic])
def list_checkins(agreement_id: int, session: SessionDep, counselor: CurrentCounselor) -> list[CheckInPublic]:
    rows = agreements.list_checkins(session, actor=counselor, agreement_id=agreement_id)
    return [CheckInPublic.model_validate(r) for r in rows]


@router.post("/agreements/{agreement_id:id}/checkins", response_model=CheckInPublic,
             status_code=status.HTTP_201_CREATED)
def record_checkin(
    agreement_id: int, data: CheckInCreate, session: SessionDep, counselor: CurrentCounselor
) -> CheckInPublic:
    made = agreements.record_checkin(session, actor=counselor, agreement_id=agreement_id, data=data)
    return CheckInPublic.model_validate(made)
