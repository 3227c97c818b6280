"""Token login/logout and counselor management."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.deps import BearerToken, CurrentCounselor
from app.auth.schemas import CounselorCreate, CounselorPublic, CounselorUpdate, TokenPublic
from app.config import get_settings
from app.db import SessionDep
from app.pagination import Page, PageDep
from app.routing import ApiRouter

router = ApiRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=TokenPublic)
def login(
    request: Request,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenPublic | JSONResponse:
    address = request.client.host if request.client else None
    counselor = service.authenticate(
        session, email=form.username, password=form.password, address=address
    )
    if counselor is None:
        # Returned, not raised, so the failure is committed and counts toward throttling.
        return JSONResponse(
            {"detail": "Incorrect email or password"},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = service.issue_token(session, counselor=counselor, kind="api")
    return TokenPublic(access_token=token, expires_in=get_settings().access_token_minutes * 60)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, counselor: CurrentCounselor, token: BearerToken) -> None:
    service.revoke_token(session, token=token or "")


@router.get("/auth/me", response_model=CounselorPublic)
def me(counselor: CurrentCounselor) -> CounselorPublic:
    return CounselorPublic.model_validate(counselor)


@router.get("/counselors", response_model=Page[CounselorPublic])
def list_counselors(session: SessionDep, counselor: CurrentCounselor, page: PageDep) -> Page[CounselorPublic]:
    rows, total = service.page_counselors(
        session, actor=counselor, q=page.q, offset=page.offset, limit=page.limit
    )
    return Page.of(rows, total, page, CounselorPublic)


@router.post("/counselors", response_model=CounselorPublic, status_code=status.HTTP_201_CREATED)
def create_counselor(
    data: CounselorCreate, session: SessionDep, counselor: CurrentCounselor
) -> CounselorPublic:
    created = service.create_counselor(
        session, practice_id=counselor.practice_id, data=data, actor=counselor
    )
    return CounselorPublic.model_validate(created)


@router.get("/counselors/{counselor_id:id}", response_model=CounselorPublic)
def get_counselor(counselor_id: int, session: SessionDep, counselor: CurrentCounselor) -> CounselorPublic:
    found = service.get_counselor(session, actor=counselor, counselor_id=counselor_id)
    return CounselorPublic.model_validate(found)


@router.patch("/counselors/{counselor_id:id}", response_model=CounselorPublic)
def update_counselor(
    counselor_id: int, data: CounselorUpdate, session: SessionDep, counselor: CurrentCounselor
) -> CounselorPublic:
    updated = service.update_counselor(
        session, actor=counselor, counselor_id=counselor_id, data=data
    )
    return CounselorPublic.model_validate(updated)
