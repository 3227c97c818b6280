"""Flags raised by answers: the counselor's dashboard list and resolving them."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client
from app.clients.service import client_visible
from app.clients.subjects import Subject
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.questionnaires.models import Administration, AdministrationFlag
from app.questionnaires.schemas import FlagPublic
from app.scoring.flags import SEVERITY_ORDER

FlagStatus = Literal["open", "resolved", "all"]


def _public(flag: AdministrationFlag, client: Client, instrument_id: str) -> FlagPublic:
    return FlagPublic(
        id=flag.id, administration_id=flag.administration_id, client_id=flag.client_id,  # type: ignore[arg-type]
        client_name=client.display_name, couple_id=flag.couple_id, instrument_id=instrument_id,
        item_id=flag.item_id, severity=flag.severity, message=flag.message, raised_at=flag.raised_at,
        resolved_at=flag.resolved_at, resolved_by_id=flag.resolved_by_id,
    )


def _query(*conditions: ColumnElement[bool]):  # type: ignore[no-untyped-def]
    return (
        select(AdministrationFlag, Client, Administration.instrument_id)
        .join(Client, col(Client.id) == AdministrationFlag.client_id)
        .join(Administration, col(Administration.id) == AdministrationFlag.administration_id)
        .where(*conditions)
    )


def _sorted(rows: list[FlagPublic]) -> list[FlagPublic]:
    """Most severe first, then newest first."""
    rows.sort(key=lambda f: f.raised_at, reverse=True)
    rows.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)))
    return rows


def list_flags(
    session: Session, *, actor: Counselor, status: FlagStatus = "open", couple_id: int | None = None
) -> list[FlagPublic]:
    """Flags of clients in the caller's caseload (owner: whole practice), or raised in one couple's context."""
    conditions = [col(AdministrationFlag.practice_id) == actor.practice_id, client_visible(actor)]
    if couple_id is not None:
        conditions.append(col(AdministrationFlag.couple_id) == couple_id)
    if status == "open":
        conditions.append(col(AdministrationFlag.resolved_at).is_(None))
    elif status == "resolved":
        conditions.append(col(AdministrationFlag.resolved_at).is_not(None))
    return _sorted([_public(f, c, i) for f, c, i in session.exec(_query(*conditions)).all()])


def in_context(subject: Subject) -> ColumnElement[bool]:
    """SQL condition: flags raised in this couple's context, or in this client's own work.

    A partner's flag from individual work or from another couple stays out of a couple's
    page and report; a client's individual flags stay out of every couple's.
    """
    if subject.couple is not None:
        return col(AdministrationFlag.couple_id) == subject.id
    return (col(AdministrationFlag.client_id) == subject.id) & col(AdministrationFlag.couple_id).is_(None)


def open_flags_of(session: Session, *, subject: Subject) -> list[AdministrationFlag]:
    """Open flags raised in this couple's or client's own context (``in_context``)."""
    return list(session.exec(select(AdministrationFlag).where(
        in_context(subject), col(AdministrationFlag.resolved_at).is_(None),
    )).all())


def flags_for_administration(session: Session, *, administration_id: int) -> list[FlagPublic]:
    """Flags of one administration (the caller has already checked access to it)."""
    rows = session.exec(_query(col(AdministrationFlag.administration_id) == administration_id)).all()
    return _sorted([_public(f, c, i) for f, c, i in rows])


def resolve_flag(session: Session, *, actor: Counselor, flag_id: int) -> FlagPublic:
    """Mark a flag as dealt with; it leaves the open list but stays in the record."""
    row = session.exec(_query(
        col(AdministrationFlag.id) == flag_id,
        col(AdministrationFlag.practice_id) == actor.practice_id,
        client_visible(actor),
    )).first()
    if row is None:
        raise NotFound("Flag")
    flag, client, instrument_id = row
    if flag.resolved_at is not None:
        raise Conflict("This flag is already resolved")
    flag.resolved_at, flag.resolved_by_id = utcnow(), actor.id
    session.add(flag)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="resolve", entity="flag",
           entity_id=flag.id)
    return _public(flag, client, instrument_id)
