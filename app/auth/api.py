"""Token login/logout and counselor management."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service, two_factor
from app.auth.deps import BearerToken, CurrentCounselor
from app.auth.schemas import AccessTokenPublic, CounselorCreate, CounselorPublic, CounselorUpdate, TokenPublic
from app.auth.security import token_hash
from app.config import get_settings
from app.db import SessionDep
from app.pagination import Page, PageDep
from app.routing import ApiRouter, errors

router = ApiRouter(prefix="/api/v1", tags=["auth"])


def _refused(detail: str, status_code: int = status.HTTP_401_UNAUTHORIZED) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status_code == status.HTTP_401_UNAUTHORIZED else None
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


@router.post("/auth/token", response_model=TokenPublic, responses=errors(401, 403, 429))
def login(
    request: Request,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    totp_code: Annotated[str | None, Form(
        max_length=64, description="With two-factor sign-in on: the current 6-digit code, or a recovery code"
    )] = None,
) -> TokenPublic | JSONResponse:
    address = request.client.host if request.client else None
    counselor = service.authenticate(
        session, email=form.username, password=form.password, address=address
    )
    if counselor is None:
        # Returned, not raised, so the failure is committed and counts toward throttling.
        return _refused("Incorrect email or password")
    if two_factor.is_enabled(counselor):
        if not totp_code:
            return _refused("Two-factor sign-in is on for this account: send the current code from your "
                            "authenticator app (or a recovery code) in the totp_code field")
        if not two_factor.check_code(session, counselor=counselor, code=totp_code, purpose="api_token"):
            service.note_failure(session, email=counselor.email, address=address)
            return _refused("That two-factor code is wrong or was already used")
        service.clear_failures(session, email=counselor.email)
    elif two_factor.must_enrol(session, counselor):
        return _refused("Your practice requires two-factor sign-in: turn it on in the Mend web app "
                        "(Your account, Two-factor sign-in), then request a token again",
                        status.HTTP_403_FORBIDDEN)
    token = service.issue_token(session, counselor=counselor, kind="api")
    return TokenPublic(access_token=token, expires_in=get_settings().access_token_minutes * 60)


@router.get("/me/tokens", response_model=list[AccessTokenPublic])
def my_tokens(session: SessionDep, counselor: CurrentCounselor, token: BearerToken) -> list[AccessTokenPublic]:
    """The caller's own live browser sessions and API tokens, newest first."""
    mine = token_hash(token or "")
    return [AccessTokenPublic.model_validate(row).model_copy(update={"current": row.token_hash == mine})
            for row in service.own_tokens(session, counselor=counselor)]


@router.delete("/me/tokens/{token_id:id}", status_code=status.HTTP_204_NO_CONTENT)
def end_my_token(token_id: int, session: SessionDep, counselor: CurrentCounselor) -> None:
    """End one of the caller's own sessions or tokens (a browser session signs that browser out)."""
    service.end_own_token(session, counselor=counselor, token_id=token_id)


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
