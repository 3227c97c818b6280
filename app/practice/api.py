"""Practice settings."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.auth.deps import CurrentCounselor
from app.db import SessionDep
from app.fields import RequestModel
from app.practice import service

router = APIRouter(prefix="/api/v1", tags=["practice"])


class PracticePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str


class PracticeUpdate(RequestModel):

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)


@router.get("/practice", response_model=PracticePublic)
def get_practice(session: SessionDep, counselor: CurrentCounselor) -> PracticePublic:
    return PracticePublic.model_validate(service.get_practice(session, actor=counselor))


@router.patch("/practice", response_model=PracticePublic)
def update_practice(data: PracticeUpdate, session: SessionDep, counselor: CurrentCounselor) -> PracticePublic:
    practice = service.update_practice(
        session, actor=counselor, name=data.name, timezone=data.timezone
    )
    return PracticePublic.model_validate(practice)
