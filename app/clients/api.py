"""Clients and couples API: thin wrappers around clients.service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, status

from app.auth.deps import CurrentCounselor
from app.clients import service
from app.clients.schemas import (
    ClientCreate,
    ClientPublic,
    ClientUpdate,
    CoupleCreate,
    CouplePublic,
    CoupleUpdate,
)
from app.clients.service import couples_public
from app.db import SessionDep
from app.pagination import Page, PageDep
from app.routing import ApiRouter

router = ApiRouter(prefix="/api/v1", tags=["clients"])


@router.get("/clients", response_model=Page[ClientPublic])
def list_clients(
    session: SessionDep, counselor: CurrentCounselor, page: PageDep,
    status_: Annotated[Literal["active", "discharged"] | None, Query(alias="status")] = None,
) -> Page[ClientPublic]:
    rows, total = service.list_clients(
        session, actor=counselor, q=page.q, status=status_, offset=page.offset, limit=page.limit
    )
    return Page.of(rows, total, page, ClientPublic)


@router.post("/clients", response_model=ClientPublic, status_code=status.HTTP_201_CREATED)
def create_client(data: ClientCreate, session: SessionDep, counselor: CurrentCounselor) -> ClientPublic:
    return ClientPublic.model_validate(service.create_client(session, actor=counselor, data=data))


@router.get("/clients/{client_id:id}", response_model=ClientPublic)
def get_client(client_id: int, session: SessionDep, counselor: CurrentCounselor) -> ClientPublic:
    return ClientPublic.model_validate(
        service.get_client(session, actor=counselor, client_id=client_id)
    )


@router.patch("/clients/{client_id:id}", response_model=ClientPublic)
def update_client(
    client_id: int, data: ClientUpdate, session: SessionDep, counselor: CurrentCounselor
) -> ClientPublic:
    updated = service.update_client(session, actor=counselor, client_id=client_id, data=data)
    return ClientPublic.model_validate(updated)


@router.post("/clients/{client_id:id}/discharge", response_model=ClientPublic)
def discharge_client(client_id: int, session: SessionDep, counselor: CurrentCounselor) -> ClientPublic:
    done = service.discharge_client(session, actor=counselor, client_id=client_id)
    return ClientPublic.model_validate(done)


@router.get("/couples", response_model=Page[CouplePublic])
def list_couples(
    session: SessionDep, counselor: CurrentCounselor, page: PageDep,
    status_: Annotated[Literal["active", "paused", "discharged"] | None, Query(alias="status")] = None,
) -> Page[CouplePublic]:
    rows, total = service.list_couples(
        session, actor=counselor, q=page.q, status=status_, offset=page.offset, limit=page.limit
    )
    return Page.of(couples_public(session, rows), total, page)


@router.post("/couples", response_model=CouplePublic, status_code=status.HTTP_201_CREATED)
def create_couple(data: CoupleCreate, session: SessionDep, counselor: CurrentCounselor) -> CouplePublic:
    couple = service.create_couple(session, actor=counselor, data=data)
    return couples_public(session, [couple])[0]


@router.get("/couples/{couple_id:id}", response_model=CouplePublic)
def get_couple(couple_id: int, session: SessionDep, counselor: CurrentCounselor) -> CouplePublic:
    return service.couple_public(*service.couple_and_partners(session, actor=counselor, couple_id=couple_id))


@router.patch("/couples/{couple_id:id}", response_model=CouplePublic)
def update_couple(
    couple_id: int, data: CoupleUpdate, session: SessionDep, counselor: CurrentCounselor
) -> CouplePublic:
    couple = service.update_couple(session, actor=counselor, couple_id=couple_id, data=data)
    return couples_public(session, [couple])[0]


@router.post("/couples/{couple_id:id}/discharge", response_model=CouplePublic)
def discharge_couple(couple_id: int, session: SessionDep, counselor: CurrentCounselor) -> CouplePublic:
    couple = service.update_couple(
        session, actor=counselor, couple_id=couple_id, data=CoupleUpdate(status="discharged")
    )
    return couples_public(session, [couple])[0]
