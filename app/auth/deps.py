"""The `CurrentCounselor` dependency: who is calling the API, from their bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

from app.auth.models import Counselor
from app.auth.service import counselor_for_token
from app.db import SessionDep

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Not signed in or the token has expired; request a new token",
        headers={"WWW-Authenticate": "Bearer"},
    )


def current_counselor(session: SessionDep, token: BearerToken) -> Counselor:
    if not token:
        raise _unauthorized()
    counselor = counselor_for_token(session, token=token, kind="api")
    if counselor is None:
        raise _unauthorized()
    return counselor


CurrentCounselor = Annotated[Counselor, Depends(current_counselor)]
