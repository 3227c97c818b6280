"""Clients and couples, always scoped to the caller's practice and caseload."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client, Couple, couple_name, search_key
from app.clients.schemas import (
    ClientCreate,
    ClientPublic,
    ClientUpdate,
    CoupleCreate,
    CouplePublic,
    CoupleUpdate,
)
from app.db import utcnow
from app.errors import Conflict, Forbidden, InvalidField, NotFound
from app.pagination import paged
from app.updates import apply_update, refuse_empty


def _my_couples(actor: Counselor) -> ColumnElement[bool]:
    return and_(Couple.practice_id == actor.practice_id, Couple.counselor_id == actor.id)


def client_visible(actor: Counselor) -> ColumnElement[bool]:
    """SQL condition: the actor may see this client (owner: practice; counselor: caseload)."""
    same_practice = col(Client.practice_id) == actor.practice_id
    if actor.is_owner:
        return same_practice
    in_my_couples = select(Couple.partner_a_id).where(_my_couples(actor)).union(
        select(Couple.partner_b_id).where(_my_couples(actor))
    )
    return and_(
        same_practice,
        or_(col(Client.counselor_id) == actor.id, col(Client.id).in_(in_my_couples)),
    )


def couple_visible(actor: Counselor) -> ColumnElement[bool]:
    same_practice = col(Couple.practice_id) == actor.practice_id
    if actor.is_owner:
        return same_practice
    return and_(same_practice, col(Couple.counselor_id) == actor.id)


def _name_filter(q: str) -> ColumnElement[bool]:
    return col(Client.search_name).like(f"%{search_key(q)}%")


def list_clients(
    session: Session, *, actor: Counselor, q: str | None, status: str | None,
    offset: int, limit: int,
) -> tuple[list[Client], int]:
    # An erased record keeps its row (ids and the audit trail resolve) but is no one to list.
    query = select(Client).where(client_visible(actor), col(Client.erased_at).is_(None))
    if q:
        query = query.where(_name_filter(q))
    if status:
        query = query.where(Client.status == status)
    order = (Client.last_name, Client.first_name, Client.id)
    return paged(session, query, order_by=order, offset=offset, limit=limit)


def display_names(session: Session, client_ids: list[int]) -> dict[int, str]:
    """Display names of many clients in one query (callers have already scoped the ids)."""
    if not client_ids:
        return {}
    rows = session.exec(select(Client).where(col(Client.id).in_(set(client_ids)))).all()
    return {c.id: c.display_name for c in rows if c.id is not None}


def get_client(session: Session, *, actor: Counselor, client_id: int) -> Client:
    client = session.exec(select(Client).where(Client.id == client_id, client_visible(actor))).first()
    if client is None:
        raise NotFound("Client")
    return client


def _assignable_counselor(session: Session, *, actor: Counselor, counselor_id: int | None) -> int:
    """Owners may assign any active counselor of the practice; counselors only themselves."""
    if counselor_id is None or counselor_id == actor.id:
        return actor.id  # type: ignore[return-value]
    target = session.get(Counselor, counselor_id)
    if target is None or target.practice_id != actor.practice_id or not target.active:
        raise InvalidField("counselor_id", "No active counselor with this id in your practice")
    if not actor.is_owner:
        raise InvalidField("counselor_id", "Only the owner can assign another counselor")
    return counselor_id


ONLY_OWNER = "Only the practice owner can give a record to another counselor"


def _reassign(session: Session, row: Client | Couple, *, actor: Counselor, to_id: int, entity: str,
              detail: dict[str, object] | None = None) -> None:
    """Give one record to another counselor (already checked), audited with both ids."""
    from_id = row.counselor_id
    row.counselor_id = to_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="reassign", entity=entity,
           entity_id=row.id, detail={"from_counselor_id": from_id, "to_counselor_id": to_id, **(detail or {})})


def _reassign_target(session: Session, *, actor: Counselor, row: Client | Couple, counselor_id: int | None) -> int:
    """The counselor a record may move to: owners only, an active counselor of the practice.
    Its current counselor (even retired) means no change."""
    if counselor_id is not None and counselor_id == row.counselor_id:
        return counselor_id
    target = _assignable_counselor(session, actor=actor, counselor_id=counselor_id)
    if target != row.counselor_id and not actor.is_owner:
        raise InvalidField("counselor_id", ONLY_OWNER)
    return target


def reassign_client(session: Session, *, actor: Counselor, client_id: int, counselor_id: int | None) -> Client:
    """The owner gives a client's own record to another active counselor of the practice.

    A client who is a partner in a couple stays visible to that couple's counselor (couple work),
    whoever holds their own record."""
    if not actor.is_owner:
        raise Forbidden(ONLY_OWNER)
    if counselor_id is None:
        raise InvalidField("counselor_id", "Choose a counselor")
    client = get_client(session, actor=actor, client_id=client_id)
    target = _reassign_target(session, actor=actor, row=client, counselor_id=counselor_id)
    if target != client.counselor_id:
        _reassign(session, client, actor=actor, to_id=target, entity="client")
    return client


def reassign_couple(session: Session, *, actor: Counselor, couple_id: int, counselor_id: int | None) -> list[int]:
    """The owner gives a couple to another active counselor; returns the partners who moved with it.

    A partner whose own record the couple's old counselor held moves with the couple, so the old
    counselor no longer sees the partner's flags, links and outbox messages (they are read
    through the client record). A partner whose record another counselor holds (individual work
    elsewhere) stays with that counselor. Schedules, links already sent and sessions are the
    couple's: they keep running and are seen by whoever holds the couple."""
    if not actor.is_owner:
        raise Forbidden(ONLY_OWNER)
    if counselor_id is None:
        raise InvalidField("counselor_id", "Choose a counselor")
    couple = get_couple(session, actor=actor, couple_id=couple_id)
    return _reassign_couple(session, actor=actor, couple=couple, counselor_id=counselor_id)


def _reassign_couple(session: Session, *, actor: Counselor, couple: Couple, counselor_id: int | None) -> list[int]:
    target = _reassign_target(session, actor=actor, row=couple, counselor_id=counselor_id)
    old = couple.counselor_id
    if target == old:
        return []
    partners = session.exec(select(Client).where(
        col(Client.id).in_((couple.partner_a_id, couple.partner_b_id)),
        Client.practice_id == actor.practice_id, Client.counselor_id == old,
    ).order_by(col(Client.id))).all()
    moved = [p.id for p in partners if p.id is not None]
    _reassign(session, couple, actor=actor, to_id=target, entity="couple", detail={"partners_moved": moved})
    for partner in partners:
        _reassign(session, partner, actor=actor, to_id=target, entity="client", detail={"with_couple": couple.id})
    return moved


def create_client(session: Session, *, actor: Counselor, data: ClientCreate) -> Client:
    counselor_id = _assignable_counselor(session, actor=actor, counselor_id=data.counselor_id)
    client = Client(
        practice_id=actor.practice_id,
        counselor_id=counselor_id,
        email_safe_source="counselor" if data.email_safe != "unknown" else None,
        **data.model_dump(exclude={"counselor_id"}),
    )
    session.add(client)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="create",
           entity="client", entity_id=client.id)
    return client


def _refuse_erased(row: Client | Couple) -> None:
    """An erased record stays erased: typing a name back into it would undo the erasure."""
    if row.erased_at is not None:
        raise Conflict("This record was erased; it can't be changed")


def update_client(session: Session, *, actor: Counselor, client_id: int, data: ClientUpdate) -> Client:
    client = get_client(session, actor=actor, client_id=client_id)
    _refuse_erased(client)
    changes = data.model_dump(exclude_unset=True)
    refuse_empty(changes, ("first_name", "last_name", "contact_preference", "email_safe"))
    if "email_safe" in changes:  # the counselor's say; "unknown" hands it back to the intake's answers
        changes["email_safe_source"] = "counselor" if changes["email_safe"] != "unknown" else None
    target = None
    if "counselor_id" in changes:
        target = _reassign_target(session, actor=actor, row=client, counselor_id=changes.pop("counselor_id"))
    if changes or target is None:
        apply_update(session, client, changes, actor=actor, practice_id=actor.practice_id, entity="client")
    if target is not None and target != client.counselor_id:
        _reassign(session, client, actor=actor, to_id=target, entity="client")
    return client


def discharge_client(session: Session, *, actor: Counselor, client_id: int) -> Client:
    client = get_client(session, actor=actor, client_id=client_id)
    if client.status == "discharged":
        raise Conflict("This client is already discharged")
    client.status = "discharged"
    client.discharged_at = utcnow()
    client.updated_at = utcnow()
    session.add(client)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="discharge",
           entity="client", entity_id=client.id)
    return client


# --- couples ------------------------------------------------------------------


def list_couples(
    session: Session, *, actor: Counselor, q: str | None, status: str | None,
    offset: int, limit: int,
) -> tuple[list[Couple], int]:
    query = select(Couple).where(couple_visible(actor), col(Couple.erased_at).is_(None))
    if q:
        names = select(Client.id).where(Client.practice_id == actor.practice_id, _name_filter(q))
        query = query.where(or_(col(Couple.partner_a_id).in_(names), col(Couple.partner_b_id).in_(names)))
    if status:
        query = query.where(Couple.status == status)
    return paged(session, query, order_by=(col(Couple.id).desc(),), offset=offset, limit=limit)


# Made once: a fresh alias per call would miss SQLAlchemy's statement cache every time.
_PARTNER_A, _PARTNER_B = aliased(Client, name="partner_a"), aliased(Client, name="partner_b")


def couple_and_partners(session: Session, *, actor: Counselor, couple_id: int) -> tuple[Couple, Client, Client]:
    """A couple in the actor's caseload with partner A and B, in one query; NotFound otherwise."""
    a, b = _PARTNER_A, _PARTNER_B
    row = session.exec(
        select(Couple, a, b)
        .join(a, col(a.id) == Couple.partner_a_id)
        .join(b, col(b.id) == Couple.partner_b_id)
        .where(Couple.id == couple_id, couple_visible(actor))
    ).first()
    if row is None:
        raise NotFound("Couple")
    return row[0], row[1], row[2]


def get_couple(session: Session, *, actor: Counselor, couple_id: int) -> Couple:
    couple = session.exec(select(Couple).where(Couple.id == couple_id, couple_visible(actor))).first()
    if couple is None:
        raise NotFound("Couple")
    return couple


def _partner(session: Session, *, actor: Counselor, client_id: int, field: str) -> Client:
    try:
        return get_client(session, actor=actor, client_id=client_id)
    except NotFound:
        raise InvalidField(field, f"No client with id {client_id} in your caseload") from None


def create_couple(session: Session, *, actor: Counselor, data: CoupleCreate) -> Couple:
    if data.partner_a_id == data.partner_b_id:
        raise InvalidField("partner_b_id", "A couple needs two different clients")
    _partner(session, actor=actor, client_id=data.partner_a_id, field="partner_a_id")
    _partner(session, actor=actor, client_id=data.partner_b_id, field="partner_b_id")
    _check_dates(data.disclosed_on, data.started_on)
    counselor_id = _assignable_counselor(session, actor=actor, counselor_id=data.counselor_id)
    couple = Couple(
        practice_id=actor.practice_id,
        counselor_id=counselor_id,
        **data.model_dump(exclude={"counselor_id"}),
    )
    session.add(couple)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="create",
           entity="couple", entity_id=couple.id)
    return couple


def _check_dates(disclosed_on: date | None, started_on: date | None) -> None:
    today = date.today()
    if disclosed_on and disclosed_on > today:
        raise InvalidField("disclosed_on", "The disclosure date cannot be in the future")
    if started_on and started_on.year < 1900:
        raise InvalidField("started_on", "The start date looks wrong")


def update_couple(session: Session, *, actor: Counselor, couple_id: int, data: CoupleUpdate) -> Couple:
    couple = get_couple(session, actor=actor, couple_id=couple_id)
    _refuse_erased(couple)
    changes = data.model_dump(exclude_unset=True)
    refuse_empty(changes, ("breach_type", "status"))
    target = None
    if "counselor_id" in changes:
        target = _reassign_target(session, actor=actor, row=couple, counselor_id=changes.pop("counselor_id"))
    _check_dates(changes.get("disclosed_on"), changes.get("started_on"))
    if changes or target is None:
        apply_update(session, couple, changes, actor=actor, practice_id=actor.practice_id, entity="couple")
    if target is not None:
        _reassign_couple(session, actor=actor, couple=couple, counselor_id=target)
    return couple


def couple_public(couple: Couple, a: Client, b: Client) -> CouplePublic:
    """A couple with both partners, as the API and the pages show it."""
    return CouplePublic.model_validate({
        **couple.model_dump(), "partner_a": ClientPublic.model_validate(a),
        "partner_b": ClientPublic.model_validate(b), "name": couple_name(a, b),
    })


def couples_public(session: Session, couples: list[Couple]) -> list[CouplePublic]:
    """Couples with both partners, loading all partners in one query (none for no couples)."""
    if not couples:
        return []
    ids = {c.partner_a_id for c in couples} | {c.partner_b_id for c in couples}
    people = {p.id: p for p in session.exec(select(Client).where(col(Client.id).in_(ids))).all()}
    return [couple_public(c, people[c.partner_a_id], people[c.partner_b_id]) for c in couples]
