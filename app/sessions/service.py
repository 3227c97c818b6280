"""Therapy sessions: planned ahead, then held (with a note), cancelled or a no-show; notes,
signing (which locks the note), addenda."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field as default_of
from datetime import UTC, datetime, timedelta

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
NOTE_FIELDS = ("note_data", "note_assessment", "note_plan")
#: How far after the server's clock a session that took place may start (a browser's or a
#: phone's clock running a little ahead is not a session in the future).
CLOCK_GRACE = timedelta(minutes=5)
PLANNED_HAS_NO_NOTE = "A planned session has no note yet: mark it held, then write the note"
IN_THE_FUTURE = ("This time is in the future: plan the session instead (attendance \"planned\") "
                 "and mark it held once it has taken place")
NOT_STARTED = {
    "held": "This session hasn't started yet: mark it held once it has taken place",
    "no_show": "This session hasn't started yet: it can be marked a no-show once its time has passed",
}


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
    q: str | None, offset: int, limit: int, attendance: str | Collection[str] | None = None,
) -> tuple[list[TherapySession], int]:
    """A page of sessions, newest first; ``attendance`` keeps only those (one value or several)."""
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
    if attendance is not None:
        kept = [attendance] if isinstance(attendance, str) else list(attendance)
        query = query.where(col(TherapySession.attendance).in_(kept))
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


def _started(starts_at: datetime) -> bool:
    return as_utc(starts_at) <= utcnow() + CLOCK_GRACE


def _refuse_note_when_planned(notes: dict[str, str]) -> None:
    """A planned session hasn't happened: there is nothing to write about yet."""
    for field in NOTE_FIELDS:
        if notes[field].strip():
            raise InvalidField(field, PLANNED_HAS_NO_NOTE)


def create_session(session: Session, *, actor: Counselor, data: SessionCreate) -> TherapySession:
    """Record a session that took place (or was cancelled, or missed), or plan one ahead."""
    subject = _subject(session, actor=actor, couple_id=data.couple_id, client_id=data.client_id)
    if data.attendance == "planned":
        _refuse_note_when_planned({f: getattr(data, f) for f in NOTE_FIELDS})
    elif not _started(data.starts_at):
        raise InvalidField("starts_at", IN_THE_FUTURE)
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
    """Change a draft: its time, attendees, note, or attendance (planned -> held, cancelled or
    no_show, or back when a mistake is corrected). The result must still make sense: a planned
    session has no note, and a held session or a no-show has started."""
    found = get_session_record(session, actor=actor, session_id=session_id)
    changes = data.model_dump(exclude_unset=True)
    if found.status == "signed":
        raise Conflict("This session's note is signed: its attendance can't change"
                       if "attendance" in changes else LOCKED)
    refuse_empty(changes, [k for k in changes if k != "attendee_ids"])
    attendance = changes.get("attendance", found.attendance)
    if attendance == "planned":
        _refuse_note_when_planned({f: changes.get(f, getattr(found, f)) for f in NOTE_FIELDS})
    elif (attendance in NOT_STARTED and ("attendance" in changes or "starts_at" in changes)
          and not _started(changes.get("starts_at", found.starts_at))):
        if attendance != found.attendance:
            raise InvalidField("attendance", NOT_STARTED[attendance])
        raise InvalidField("starts_at", IN_THE_FUTURE)
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
    if found.attendance != "held":
        raise Conflict("Only the note of a held session can be signed: mark the session held first"
                       if found.attendance == "planned" else
                       "This session didn't take place (cancelled or a no-show): there is no note to sign")
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


def _of(subject: Subject) -> ColumnElement[bool]:
    """The subject's own sessions: the couple's, or the client's individual ones."""
    return (col(TherapySession.couple_id) == subject.id if subject.couple is not None
            else col(TherapySession.client_id) == subject.id)


def sessions_between(session: Session, *, subject: Subject, start: datetime, end: datetime) -> list[TherapySession]:
    """The couple's or client's sessions starting in ``[start, end)``, oldest first (already
    scoped), whatever their attendance: planned ones too."""
    return list(session.exec(
        select(TherapySession)
        .where(_of(subject), col(TherapySession.starts_at) >= start, col(TherapySession.starts_at) < end)
        .order_by(col(TherapySession.starts_at))
    ).all())


def next_planned(session: Session, *, subject: Subject) -> TherapySession | None:
    """The soonest planned session of the couple or client starting now or later."""
    return session.exec(
        select(TherapySession)
        .where(_of(subject), TherapySession.attendance == "planned", col(TherapySession.starts_at) >= utcnow())
        .order_by(col(TherapySession.starts_at), col(TherapySession.id))
        .limit(1)
    ).first()


@dataclass(frozen=True)
class SessionTimes:
    """A couple's or client's held and planned sessions, oldest first, as the scheduler reads them."""

    held: list[datetime] = default_of(default_factory=list)  # starts (UTC)
    planned: list[tuple[int, datetime]] = default_of(default_factory=list)  # (id, start UTC)


def session_times(session: Session, *, couple_ids: Collection[int] = (),
                  client_ids: Collection[int] = ()) -> dict[tuple[str, int], SessionTimes]:
    """Held and planned sessions of many couples and clients in one query, keyed ("couple", id)
    or ("client", id); one that has none is missing from the result."""
    if not couple_ids and not client_ids:
        return {}
    rows = session.exec(
        select(TherapySession.id, TherapySession.couple_id, TherapySession.client_id, TherapySession.starts_at,
               TherapySession.attendance)
        .where(or_(col(TherapySession.couple_id).in_(list(couple_ids)),
                   col(TherapySession.client_id).in_(list(client_ids))),
               col(TherapySession.attendance).in_(("held", "planned")))
        .order_by(col(TherapySession.starts_at), col(TherapySession.id))
    ).all()
    out: dict[tuple[str, int], SessionTimes] = {}
    for sid, couple_id, client_id, starts, attendance in rows:
        key = ("couple", couple_id) if couple_id is not None else ("client", client_id)
        times = out.setdefault(key, SessionTimes())
        if attendance == "held":
            times.held.append(as_utc(starts))
        elif sid is not None:
            times.planned.append((sid, as_utc(starts)))
    return out


def upcoming_planned(
    session: Session, *, actor: Counselor, start: datetime, end: datetime
) -> list[TherapySession]:
    """Planned sessions in the actor's caseload (an owner: the practice) starting in
    ``[start, end)``, soonest first."""
    return list(session.exec(
        select(TherapySession)
        .where(session_visible(actor), TherapySession.attendance == "planned",
               col(TherapySession.starts_at) >= start, col(TherapySession.starts_at) < end)
        .order_by(col(TherapySession.starts_at), col(TherapySession.id))
    ).all())


def next_planned_by_couple(
    session: Session, *, actor: Counselor, couple_ids: list[int]
) -> dict[int, TherapySession]:
    """Each of these couples' soonest planned session from now on, in one query (couples
    without one are left out)."""
    if not couple_ids:
        return {}
    visible = select(Couple.id).where(couple_visible(actor), col(Couple.id).in_(couple_ids))
    rank = func.row_number().over(
        partition_by=col(TherapySession.couple_id),
        order_by=(col(TherapySession.starts_at), col(TherapySession.id)),
    ).label("rank")
    ranked = (
        select(col(TherapySession.id).label("id"), rank)
        .where(col(TherapySession.practice_id) == actor.practice_id, col(TherapySession.couple_id).in_(visible),
               TherapySession.attendance == "planned", col(TherapySession.starts_at) >= utcnow())
        .subquery()
    )
    rows = session.exec(
        select(TherapySession).join(ranked, ranked.c.id == TherapySession.id).where(ranked.c.rank == 1)
    ).all()
    return {row.couple_id: row for row in rows if row.couple_id is not None}


def last_session_by_couple(session: Session, *, actor: Counselor, couple_ids: list[int]) -> dict[int, datetime]:
    """When each of these couples was last seen (their latest held session), in one grouped query."""
    if not couple_ids:
        return {}
    visible = select(Couple.id).where(couple_visible(actor), col(Couple.id).in_(couple_ids))
    rows = session.exec(
        select(TherapySession.couple_id, func.max(TherapySession.starts_at))
        .where(col(TherapySession.couple_id).in_(visible), TherapySession.attendance == "held")
        .group_by(TherapySession.couple_id)
    ).all()
    return {couple_id: as_utc(last) for couple_id, last in rows if couple_id is not None}
