"""Therapy sessions: planned ahead, then held (with a note), cancelled or a no-show; notes,
signing (which locks the note), addenda."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from dataclasses import field as default_of
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, func, select

from app.audit.models import AuditEvent
from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client, Couple, search_key
from app.clients.service import client_visible, couple_visible, get_client, get_couple
from app.clients.subjects import Subject, load_subject
from app.db import utcnow
from app.errors import Conflict, InvalidField, NotFound
from app.pagination import paged
from app.sessions.integrity import integrity, note_hash
from app.sessions.models import AgreementCheckIn, NoteAddendum, TherapySession
from app.sessions.schemas import AddendumCreate, SessionCorrection, SessionCreate, SessionUpdate
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
SIGNED_ATTENDANCE = "This session's note is signed: its attendance can't change"
HAS_CHECKINS = ("Agreement check-ins were recorded at this session, and check-ins belong to a held session: "
                "it stays held")
#: What a correction may change, and what of it a signed session still may (see ``correct_session``).
CORRECTABLE = ("starts_at", "duration_minutes", "modality", "attendance", "attendee_ids")
SIGNED_CORRECTABLE = ("starts_at", "duration_minutes", "modality")
SIGNED_ATTENDEES = "This session's note is signed: who attended stays as signed"
NO_ATTENDEE = "A held session was attended by someone: tick who attended"


class NotStarted(Conflict):
    """Signing a note before its session's start: ``starts_at`` (UTC) lets a page name the time in
    the practice's zone; the message (for the API) names it in UTC."""

    def __init__(self, starts_at: datetime) -> None:
        self.starts_at = as_utc(starts_at)
        super().__init__(not_started_message(f"{self.starts_at:%-d %b %Y, %H:%M} UTC"))


def not_started_message(when: str) -> str:
    return f"This session starts on {when}: its note can be signed once the session has taken place"


class NoteChanged(Conflict):
    """The note was signed (``signed``) or saved with other text since the form was loaded: the
    text typed on that form would overwrite (or sign) a text its writer never saw."""

    def __init__(self, *, signed: bool) -> None:
        self.signed = signed
        super().__init__("This note was signed while you were editing it: your text was not saved" if signed
                         else "This note was changed since you opened it (in another tab or by a colleague): "
                              "your text was not saved")


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
    """Fetch a session with its note; reading clinical text is audited. A signed note whose text
    no longer matches the hash stored at signing (``note_integrity``: changed outside
    Mend) is audited too, as ``note_integrity_failed`` (no note text in the detail); the page and
    the API show the mismatch."""
    found = get_session_record(session, actor=actor, session_id=session_id)
    record(session, actor=actor, practice_id=actor.practice_id, action="read_note",
           entity="therapy_session", entity_id=found.id)
    if note_integrity(found) == "changed":
        record(session, actor=actor, practice_id=actor.practice_id, action="note_integrity_failed",
               entity="therapy_session", entity_id=found.id,
               detail={"signed_at": as_utc(found.signed_at).isoformat() if found.signed_at else None,
                       "signed_by_id": found.signed_by_id, "expected": found.note_hash,
                       "found": note_hash(found)})
    return found


def note_integrity(found: TherapySession) -> str | None:
    """The signed note checked against its hash (``sessions.integrity``): "ok", "changed" (its text
    no longer matches), "unsealed" (signed before integrity checks), or None (not signed)."""
    return integrity(found)


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


def note_version(notes: object) -> str:
    """A short fingerprint of a note's three texts (a session, or anything with the fields): the
    version a note form was loaded from, so saving it can tell whether the note changed since.

    One fingerprint per field (Data, Assessment, Plan, in that order) joined by dots, so the
    version also says what each field held when the form was loaded (``changed_fields``): a stale
    tab's text offers back only what was changed in that tab, never the old text it merely held."""
    get = notes.get if isinstance(notes, dict) else lambda f: getattr(notes, f)
    return ".".join(hashlib.sha256((get(f) or "").strip().encode()).hexdigest()[:12] for f in NOTE_FIELDS)


def changed_fields(typed: dict[str, str], version: str | None) -> list[str]:
    """The note fields whose ``typed`` text differs from what they held when the form was loaded
    at ``version`` (a ``note_version``); all of them when the version can't tell (none given,
    or one not made by ``note_version``)."""
    loaded = (version or "").split(".")
    if len(loaded) != len(NOTE_FIELDS):
        return list(NOTE_FIELDS)
    mine = note_version({f: typed.get(f, "") for f in NOTE_FIELDS}).split(".")
    return [f for f, now, then in zip(NOTE_FIELDS, mine, loaded, strict=True) if now != then]


def _refuse_stale(found: TherapySession, typed: dict[str, str], expected_version: str | None) -> None:
    """Refuse a text typed on a form loaded at ``expected_version`` when the note has been signed
    or saved differently since; the same text as now is no conflict (a double post, say)."""
    if expected_version is None:
        return
    now = note_version(found)
    if now == note_version({f: typed.get(f, getattr(found, f)) for f in NOTE_FIELDS}):
        return
    if found.status == "signed":
        raise NoteChanged(signed=True)
    if now != expected_version:
        raise NoteChanged(signed=False)


def _has_checkins(session: Session, session_id: int | None) -> bool:
    found = session.exec(select(AgreementCheckIn.id).where(AgreementCheckIn.session_id == session_id)).first()
    return found is not None


def _check_attendance(session: Session, found: TherapySession, changes: dict[str, object]) -> None:
    """The rules a session's attendance, time and note keep together, whichever form changes them:
    a planned session has no note, a held session or a no-show has started, and a session with
    check-ins stays held (check-ins belong to a held session)."""
    attendance = changes.get("attendance", found.attendance)
    if attendance == "planned":
        _refuse_note_when_planned({f: str(changes.get(f, getattr(found, f))) for f in NOTE_FIELDS})
    elif (attendance in NOT_STARTED and ("attendance" in changes or "starts_at" in changes)
          and not _started(changes.get("starts_at", found.starts_at))):  # type: ignore[arg-type]
        if attendance != found.attendance:
            raise InvalidField("attendance", NOT_STARTED[str(attendance)])
        raise InvalidField("starts_at", IN_THE_FUTURE)
    if found.attendance == "held" and attendance != "held" and _has_checkins(session, found.id):
        raise InvalidField("attendance", HAS_CHECKINS)


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
    session: Session, *, actor: Counselor, session_id: int, data: SessionUpdate,
    expected_version: str | None = None,
) -> TherapySession:
    """Change a draft: its time, attendees, note, or attendance (planned -> held, cancelled or
    no_show, or back when a mistake is corrected). The result must still make sense
    (``_check_attendance``). With ``expected_version`` (the ``note_version`` the form was loaded
    from), a note signed or saved with other text since is refused (``NoteChanged``)."""
    found = get_session_record(session, actor=actor, session_id=session_id)
    changes = data.model_dump(exclude_unset=True)
    _refuse_stale(found, {f: changes[f] for f in NOTE_FIELDS if f in changes}, expected_version)
    if found.status == "signed":
        raise Conflict(SIGNED_ATTENDANCE if "attendance" in changes else LOCKED)
    refuse_empty(changes, [k for k in changes if k != "attendee_ids"])
    _check_attendance(session, found, changes)
    if "attendee_ids" in changes:
        subject = _subject(session, actor=actor, couple_id=found.couple_id, client_id=found.client_id)
        changes["attendee_ids"] = _attendees(changes["attendee_ids"], set(subject.client_ids))
    if "starts_at" in changes:
        changes["starts_at"] = as_utc(changes["starts_at"])
    apply_update(session, found, changes, actor=actor, practice_id=actor.practice_id, entity="therapy_session")
    return found


def _plain(field: str, value: object) -> object:
    return as_utc(value).isoformat() if field == "starts_at" and isinstance(value, datetime) else value


def correct_session(
    session: Session, *, actor: Counselor, session_id: int, data: SessionCorrection
) -> tuple[TherapySession, list[str]]:
    """Correct when a session took place, its length, where (modality), its attendance and who
    attended (the couple's partners or the client; at least one for a held session); returns the
    session and the fields that changed (none: nothing is written or audited).

    The audit event (action ``correct``) keeps each changed field's old and new value, and the
    session's page lists these events under "Corrections" (``corrections``), so a correction is
    never silent.

    A signed session: its date, length and modality may still be corrected, its attendance and
    note may not. The signature vouches for the clinical text, which stays exactly as signed
    (changes go in addenda); when and how long the session ran are administrative facts that
    reports, attendance counts and the scheduler read from these fields, and a typo in them
    would otherwise stay wrong in every report for good, with only an addendum beside it to say
    so. So the correction is allowed, marked as made after signing, shown on the page with who
    made it and when, and its old value kept in the audit trail. Attendance is part of what was
    signed (a note of a held session), so it stays, as ``update_session`` has always refused;
    so do its attendees, whom the note is about.
    The rules of ``_check_attendance`` hold as for any change (a held session can't move into
    the future, a session with check-ins stays held, a planned one has no note)."""
    found = get_session_record(session, actor=actor, session_id=session_id)
    wanted = data.model_dump(exclude_unset=True, exclude_none=True)
    if "starts_at" in wanted:
        wanted["starts_at"] = as_utc(wanted["starts_at"])
    if "attendee_ids" in wanted:
        wanted["attendee_ids"] = sorted(wanted["attendee_ids"])
    current = {k: as_utc(found.starts_at) if k == "starts_at" else getattr(found, k) for k in CORRECTABLE}
    current["attendee_ids"] = sorted(found.attendee_ids)
    changes = {k: v for k, v in wanted.items() if current[k] != v}
    if not changes:
        return found, []
    signed = found.status == "signed"
    if signed and "attendance" in changes:
        raise Conflict(SIGNED_ATTENDANCE)
    if "attendee_ids" in changes:
        if signed:
            raise Conflict(SIGNED_ATTENDEES)
        subject = _subject(session, actor=actor, couple_id=found.couple_id, client_id=found.client_id)
        changes["attendee_ids"] = _attendees(changes["attendee_ids"], set(subject.client_ids))
    if (("attendee_ids" in changes or "attendance" in changes) and changes.get("attendance", found.attendance) == "held"
            and not changes.get("attendee_ids", found.attendee_ids)):
        raise InvalidField("attendee_ids", NO_ATTENDEE)
    _check_attendance(session, found, changes)
    fields = sorted(changes)
    before = {k: _plain(k, current[k]) for k in fields}
    for key, value in changes.items():
        setattr(found, key, value)
    found.updated_at = utcnow()
    session.add(found)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="correct", entity="therapy_session",
           entity_id=found.id, detail={"fields": fields, "from": before,
                                       "to": {k: _plain(k, changes[k]) for k in fields}, "signed": signed})
    return found, fields


@dataclass(frozen=True)
class Correction:
    """One corrected field of a session, as its page lists it (values as stored: ``starts_at`` a
    UTC datetime, the others their codes or minutes)."""

    field: str
    old: object
    new: object
    by_id: int | None
    at: datetime
    after_signing: bool


def corrections(session: Session, *, found: TherapySession) -> list[Correction]:
    """The corrections made to this (already scoped) session, oldest first, from the audit trail."""
    events = session.exec(
        select(AuditEvent).where(AuditEvent.practice_id == found.practice_id, AuditEvent.entity == "therapy_session",
                                 AuditEvent.entity_id == found.id, AuditEvent.action == "correct")
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()

    def value(field: str, raw: object) -> object:
        return as_utc(datetime.fromisoformat(raw)) if field == "starts_at" and isinstance(raw, str) else raw

    return [Correction(field=f, old=value(f, e.detail.get("from", {}).get(f)),
                       new=value(f, e.detail.get("to", {}).get(f)), by_id=e.actor_id, at=as_utc(e.at),
                       after_signing=bool(e.detail.get("signed")))
            for e in events for f in e.detail.get("fields", [])]


def names_of(session: Session, *, practice_id: int, ids: Iterable[int | None]) -> dict[int, str]:
    """Counselors' full names by id (one query), to say who signed, wrote or corrected what."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Counselor.id, Counselor.full_name)
                        .where(Counselor.practice_id == practice_id, col(Counselor.id).in_(wanted))).all()
    return {cid: name for cid, name in rows if cid is not None}


def sign_session(session: Session, *, actor: Counselor, session_id: int,
                 expected_version: str | None = None) -> TherapySession:
    """Sign (and so lock) a held session's note, once the session has started: a note is written
    about what took place, so no clock grace here, unlike marking it held. With
    ``expected_version``, the note must still be the text the signer saw (``NoteChanged``)."""
    found = get_session_record(session, actor=actor, session_id=session_id)
    if expected_version is not None and note_version(found) != expected_version:
        raise NoteChanged(signed=found.status == "signed")
    if found.status == "signed":
        raise Conflict("This note is already signed")
    if found.attendance != "held":
        raise Conflict("Only the note of a held session can be signed: mark the session held first"
                       if found.attendance == "planned" else
                       "This session didn't take place (cancelled or a no-show): there is no note to sign")
    if not (found.note_data or found.note_assessment or found.note_plan).strip():
        raise InvalidField("note_data", "Write the note before signing it")
    if as_utc(found.starts_at) > utcnow():
        raise NotStarted(found.starts_at)
    found.status = "signed"
    found.signed_by_id = actor.id
    found.signed_at = utcnow()
    found.note_hash = note_hash(found)  # checked on every read (``read_note``)
    session.add(found)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="sign",
           entity="therapy_session", entity_id=found.id, detail={"note_hash": found.note_hash})
    return found


def delete_session(session: Session, *, actor: Counselor, session_id: int) -> None:
    found = get_session_record(session, actor=actor, session_id=session_id)
    if found.status == "signed":
        raise Conflict("A signed note is part of the record and cannot be deleted")
    for checkin in session.exec(select(AgreementCheckIn).where(AgreementCheckIn.session_id == found.id)):
        session.delete(checkin)
    what = {"starts_at": as_utc(found.starts_at).isoformat(), "attendance": found.attendance,
            "couple_id": found.couple_id, "client_id": found.client_id}
    session.delete(found)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="delete",
           entity="therapy_session", entity_id=session_id, detail=what)


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
