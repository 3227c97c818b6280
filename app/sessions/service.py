"""Therapy sessions: notes, signing (which locks the note), addenda."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, func, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client, Couple, search_key
from app.clients.service import client_visible, couple_visible, get_client, get_couple
from app.clients.subjects import Subject, load_subject
from app.db import utcnow
from app.errors import Conflict, InvalidField, NotFound
from app.pagination import paged
from app.sessions.models import AgreementCheckIn, NoteAddendum, TherapySession
from app.sessions.schemas import AddendumCreate, SessionCreate, SessionUpdate
from app.updates import apply_update, refuse_empty

LOCKED = "This note is signed and locked; add an addendum to correct or extend it"


def session_visible(actor: Counselor) -> ColumnElement[bool]:
    couples = select(Couple.id).where(couple_visible(actor))
    clients = select(Client.id).where(client_visible(actor))
    return and_(
        col(TherapySession.practice_id) == actor.practice_id,
        or_(col(TherapySession.couple_id).in_(couples), col(TherapySession.client_id).in_(clients)),
    )


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def list_sessions(
    session: Session, *, actor: Counselor, couple_id: int | None, client_id: int | None,
    q: str | None, offset: int, limit: int,
) -> tuple[list[TherapySession], int]:
    # With a couple or client given, filter by its id (the planner uses the (couple_id,
    # starts_at) index) with the caseload check folded into the same statement; only an empty
    # page needs a second query, to tell "no sessions yet" from "not yours" (a 404).
    if couple_id is not None:
        visible = select(Couple.id).where(Couple.id == couple_id, couple_visible(actor))
        query = select(TherapySession).where(TherapySession.couple_id == couple_id,
                                             col(TherapySession.couple_id).in_(visible))
    elif client_id is not None:
        visible = select(Client.id).where(Client.id == client_id, client_visible(actor))
        query = select(TherapySession).where(TherapySession.client_id == client_id,
                                             col(TherapySession.client_id).in_(visible))
    else:
        query = select(TherapySession).where(session_visible(actor))
    if q:
        query = query.where(_named(actor, q))
    order = (col(TherapySession.starts_at).desc(), col(TherapySession.id).desc())
    rows, total = paged(session, query, order_by=order, offset=offset, limit=limit)
    if not rows and couple_id is not None:
        get_couple(session, actor=actor, couple_id=couple_id)
    elif not rows and client_id is not None:
        get_client(session, actor=actor, client_id=client_id)
    return rows, total


def _named(actor: Counselor, q: str) -> ColumnElement[bool]:
    names = select(Client.id).where(
        Client.practice_id == actor.practice_id, col(Client.search_name).like(f"%{search_key(q)}%")
    )
    couples = select(Couple.id).where(
        or_(col(Couple.partner_a_id).in_(names), col(Couple.partner_b_id).in_(names))
    )
    return or_(col(TherapySession.client_id).in_(names), col(TherapySession.couple_id).in_(couples))


def get_session_record(session: Session, *, actor: Counselor, session_id: int) -> TherapySession:
    found = session.exec(
        select(TherapySession).where(TherapySession.id == session_id, session_visible(actor))
    ).first()
    if found is None:
        raise NotFound("Session")
    return found


def read_note(session: Session, *, actor: Counselor, session_id: int) -> TherapySession:
    """Fetch a session with its note; reading clinical text is audited."""
    found = get_session_record(session, actor=actor, session_id=session_id)
    record(session, actor=actor, practice_id=actor.practice_id, action="read_note",
           entity="therapy_session", entity_id=found.id)
    return found


def _subject(session: Session, *, actor: Counselor, couple_id: int | None, client_id: int | None) -> Subject:
    """Whom a session is with, named as the field that was wrong when it isn't in the caseload."""
    if (couple_id is None) == (client_id is None):
        raise InvalidField("couple_id", "Give either couple_id or client_id, not both")
    try:
        return load_subject(session, actor=actor, couple_id=couple_id, client_id=client_id)
    except NotFound:
        field, given = ("couple_id", couple_id) if couple_id is not None else ("client_id", client_id)
        raise InvalidField(field, f"No {field.removesuffix('_id')} with id {given} in your caseload") from None


def _attendees(requested: list[int] | None, allowed: set[int]) -> list[int]:
    if requested is None:
        return sorted(allowed)
    if len(set(requested)) != len(requested) or not set(requested) <= allowed:
        raise InvalidField("attendee_ids", "Attendees must be the couple's partners or the client")
    return sorted(requested)


def create_session(session: Session, *, actor: Counselor, data: SessionCreate) -> TherapySession:
    subject = _subject(session, actor=actor, couple_id=data.couple_id, client_id=data.client_id)
    record_ = TherapySession(
        practice_id=actor.practice_id,
        counselor_id=subject.counselor_id if actor.is_owner else actor.id,
        attendee_ids=_attendees(data.attendee_ids, set(subject.client_ids)),
        **data.model_dump(exclude={"attendee_ids", "starts_at"}),
        starts_at=as_utc(data.starts_at),
    )
    session.add(record_)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="create",
           entity="therapy_session", entity_id=record_.id)
    return record_


def update_session(
    session: Session, *, actor: Counselor, session_id: int, data: SessionUpdate
) -> TherapySession:
    found = get_session_record(session, actor=actor, session_id=session_id)
    if found.status == "signed":
        raise Conflict(LOCKED)
    changes = data.model_dump(exclude_unset=True)
    refuse_empty(changes, [k for k in changes if k != "attendee_ids"])
    if "attendee_ids" in changes:
        subject = _subject(session, actor=actor, couple_id=found.couple_id, client_id=found.client_id)
        changes["attendee_ids"] = _attendees(changes["attendee_ids"], set(subject.client_ids))
    if "starts_at" in changes:
        changes["starts_at"] = as_utc(changes["starts_at"])
    apply_update(session, found, changes, actor=actor, practice_id=actor.practice_id, entity="therapy_session")
    return found


def sign_session(session: Session, *, actor: Counselor, session_id: int) -> TherapySession:
    found = get_session_record(session, actor=actor, session_id=session_id)
    if found.status == "signed":
        raise Conflict("This note is already signed")
    if not (found.note_data or found.note_assessment or found.note_plan).strip():
        raise InvalidField("note_data", "Write the note before signing it")
    found.status = "signed"
    found.signed_by_id = actor.id
    found.signed_at = utcnow()
    session.add(found)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="sign",
           entity="therapy_session", entity_id=found.id)
    return found


def delete_session(session: Session, *, actor: Counselor, session_id: int) -> None:
    found = get_session_record(session, actor=actor, session_id=session_id)
    if found.status == "signed":
        raise Conflict("A signed note is part of the record and cannot be deleted")
    for checkin in session.exec(select(AgreementCheckIn).where(AgreementCheckIn.session_id == found.id)):
        session.delete(checkin)
    session.delete(found)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="delete",
           entity="therapy_session", entity_id=session_id)


def list_addenda(session: Session, *, session_id: int) -> list[NoteAddendum]:
    return list(session.exec(
        select(NoteAddendum).where(NoteAddendum.session_id == session_id)
        .order_by(col(NoteAddendum.created_at), col(NoteAddendum.id))
    ).all())


def add_addendum(
    session: Session, *, actor: Counselor, session_id: int, data: AddendumCreate
) -> NoteAddendum:
    found = get_session_record(session, actor=actor, session_id=session_id)
    if found.status != "signed":
        raise Conflict("This note is still a draft; edit it directly instead of adding an addendum")
    addendum = NoteAddendum(
        practice_id=actor.practice_id, session_id=found.id, author_id=actor.id, text=data.text
    )
    session.add(addendum)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="create",
           entity="note_addendum", entity_id=addendum.id, detail={"session_id": found.id})
    return addendum


def sessions_between(session: Session, *, subject: Subject, start: datetime, end: datetime) -> list[TherapySession]:
    """The couple's or client's sessions starting in ``[start, end)``, oldest first (already scoped)."""
    owner = (col(TherapySession.couple_id) == subject.id if subject.couple is not None
             else col(TherapySession.client_id) == subject.id)
    return list(session.exec(
        select(TherapySession)
        .where(owner, col(TherapySession.starts_at) >= start, col(TherapySession.starts_at) < end)
        .order_by(col(TherapySession.starts_at))
    ).all())


def last_session_by_couple(session: Session, *, actor: Counselor, couple_ids: list[int]) -> dict[int, datetime]:
    """When each of these couples was last seen, in one grouped query."""
    if not couple_ids:
        return {}
    visible = select(Couple.id).where(couple_visible(actor), col(Couple.id).in_(couple_ids))
    rows = session.exec(
        select(TherapySession.couple_id, func.max(TherapySession.starts_at))
        .where(col(TherapySession.couple_id).in_(visible))
        .group_by(TherapySession.couple_id)
    ).all()
    return {couple_id: as_utc(last) for couple_id, last in rows if couple_id is not None}
