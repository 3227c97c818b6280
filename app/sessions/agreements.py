"""A couple's agreements (boundaries, rules, amends, transparency practices) and check-ins."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, func, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Couple
from app.clients.service import couple_visible, get_couple
from app.clients.subjects import Subject
from app.errors import Conflict, InvalidField, NotFound
from app.pagination import paged
from app.sessions.models import Agreement, AgreementCheckIn, AgreementStatusChange, TherapySession
from app.sessions.schemas import AgreementCreate, AgreementUpdate, CheckInCreate
from app.updates import apply_update, refuse_empty


def list_agreements(session: Session, *, actor: Counselor, couple_id: int) -> list[Agreement]:
    get_couple(session, actor=actor, couple_id=couple_id)
    return list(session.exec(
        select(Agreement).where(Agreement.couple_id == couple_id).order_by(col(Agreement.id))
    ).all())


def page_agreements(
    session: Session, *, actor: Counselor, couple_id: int, q: str | None, offset: int, limit: int
) -> tuple[list[Agreement], int]:
    """A couple's agreements for the API, oldest first, searchable by title."""
    get_couple(session, actor=actor, couple_id=couple_id)
    query = select(Agreement).where(Agreement.couple_id == couple_id)
    if q:
        query = query.where(func.lower(Agreement.title).like(f"%{q.lower()}%"))
    return paged(session, query, order_by=(col(Agreement.id),), offset=offset, limit=limit)


def get_agreement(session: Session, *, actor: Counselor, agreement_id: int) -> Agreement:
    found = session.exec(
        select(Agreement).where(
            Agreement.id == agreement_id,
            col(Agreement.couple_id).in_(select(Couple.id).where(couple_visible(actor))),
        )
    ).first()
    if found is None:
        raise NotFound("Agreement")
    return found


def create_agreement(
    session: Session, *, actor: Counselor, couple_id: int, data: AgreementCreate
) -> Agreement:
    couple = get_couple(session, actor=actor, couple_id=couple_id)
    agreement = Agreement(
        practice_id=actor.practice_id, couple_id=couple.id, created_by_id=actor.id,
        **data.model_dump(),
    )
    session.add(agreement)
    session.flush()
    session.add(AgreementStatusChange(
        practice_id=actor.practice_id, agreement_id=agreement.id, from_status=None,
        to_status="active", changed_by_id=actor.id,
    ))
    record(session, actor=actor, practice_id=actor.practice_id, action="create",
           entity="agreement", entity_id=agreement.id)
    return agreement


def update_agreement(
    session: Session, *, actor: Counselor, agreement_id: int, data: AgreementUpdate
) -> Agreement:
    agreement = get_agreement(session, actor=actor, agreement_id=agreement_id)
    changes = data.model_dump(exclude_unset=True, exclude={"note"})
    refuse_empty(changes, changes)
    new_status = changes.get("status")
    if new_status and new_status != agreement.status:
        if agreement.status == "retired":
            raise Conflict("This agreement is retired; make a new one instead")
        session.add(AgreementStatusChange(
            practice_id=actor.practice_id, agreement_id=agreement.id,
            from_status=agreement.status, to_status=new_status, note=data.note,
            changed_by_id=actor.id,
        ))
    apply_update(session, agreement, changes, actor=actor, practice_id=actor.practice_id, entity="agreement")
    return agreement


def status_history(session: Session, *, actor: Counselor, agreement_id: int) -> list[AgreementStatusChange]:
    get_agreement(session, actor=actor, agreement_id=agreement_id)
    return list(session.exec(
        select(AgreementStatusChange).where(AgreementStatusChange.agreement_id == agreement_id)
        .order_by(col(AgreementStatusChange.changed_at), col(AgreementStatusChange.id))
    ).all())


def list_checkins(session: Session, *, actor: Counselor, agreement_id: int) -> list[AgreementCheckIn]:
    get_agreement(session, actor=actor, agreement_id=agreement_id)
    return list(session.exec(
        select(AgreementCheckIn).where(AgreementCheckIn.agreement_id == agreement_id)
        .order_by(col(AgreementCheckIn.created_at), col(AgreementCheckIn.id))
    ).all())


@dataclass(frozen=True)
class AgreementRecord:
    """An agreement with its check-ins (each with its session's start, in session order) and
    its status history, oldest first."""

    agreement: Agreement
    checkins: list[tuple[AgreementCheckIn, datetime]]
    history: list[AgreementStatusChange]


def agreement_records(
    session: Session, *, subject: Subject, created_before: datetime | None = None
) -> list[AgreementRecord]:
    """A couple's agreements with check-ins and history, in three queries however many
    (none for a client alone: agreements belong to couples). The ``Subject`` is the proof
    that the couple is in the actor's caseload."""
    if subject.couple is None:
        return []
    query = select(Agreement).where(Agreement.couple_id == subject.id)
    if created_before is not None:
        query = query.where(col(Agreement.created_at) < created_before)
    found = list(session.exec(query.order_by(col(Agreement.created_at), col(Agreement.id))).all())
    ids = [a.id for a in found]
    checkins: dict[int, list[tuple[AgreementCheckIn, datetime]]] = defaultdict(list)
    for row, starts_at in session.exec(
        select(AgreementCheckIn, TherapySession.starts_at)
        .join(TherapySession, col(TherapySession.id) == AgreementCheckIn.session_id)
        .where(col(AgreementCheckIn.agreement_id).in_(ids))
        .order_by(col(TherapySession.starts_at), col(AgreementCheckIn.id))
    ):
        checkins[row.agreement_id].append((row, starts_at))
    history: dict[int, list[AgreementStatusChange]] = defaultdict(list)
    for change in session.exec(
        select(AgreementStatusChange).where(col(AgreementStatusChange.agreement_id).in_(ids))
        .order_by(col(AgreementStatusChange.changed_at), col(AgreementStatusChange.id))
    ):
        history[change.agreement_id].append(change)
    return [AgreementRecord(a, checkins[a.id], history[a.id]) for a in found if a.id is not None]


@dataclass(frozen=True)
class CheckInAt:
    """A check-in with the start of the session it was recorded at."""

    checkin: AgreementCheckIn
    session_starts_at: datetime


@dataclass(frozen=True)
class StatusStep:
    """A status change and, when the couple had a held session on the same day (in the
    practice's zone), that session's id and start. A change does not store a session: this is
    the day's session, never a claim that the change was made in it."""

    change: AgreementStatusChange
    session_id: int | None = None
    session_starts_at: datetime | None = None


@dataclass(frozen=True)
class AgreementDetail:
    """One agreement for its page: check-ins in session order and status history, oldest first."""

    agreement: Agreement
    checkins: list[CheckInAt]
    history: list[StatusStep]


def agreement_detail(
    session: Session, *, actor: Counselor, agreement_id: int, zone: str = "UTC"
) -> AgreementDetail:
    """An agreement with its check-ins (each with its session's start, oldest session first)
    and its status history (oldest first, each with the couple's held session that day), in
    four queries however long its record. 404 outside the actor's caseload."""
    agreement = get_agreement(session, actor=actor, agreement_id=agreement_id)
    checkins = [CheckInAt(row, starts_at) for row, starts_at in session.exec(
        select(AgreementCheckIn, TherapySession.starts_at)
        .join(TherapySession, col(TherapySession.id) == AgreementCheckIn.session_id)
        .where(AgreementCheckIn.agreement_id == agreement.id)
        .order_by(col(TherapySession.starts_at), col(AgreementCheckIn.id))
    )]
    changes = list(session.exec(
        select(AgreementStatusChange).where(AgreementStatusChange.agreement_id == agreement.id)
        .order_by(col(AgreementStatusChange.changed_at), col(AgreementStatusChange.id))
    ).all())
    return AgreementDetail(agreement, checkins, _with_sessions(session, agreement.couple_id, changes, zone))


def _with_sessions(session: Session, couple_id: int, changes: list[AgreementStatusChange],
                   zone: str) -> list[StatusStep]:
    """Each change with the couple's held session on its day (the earliest, if two), from one
    query over the days the changes span."""
    if not changes:
        return []
    here = _zone(zone)
    margin = timedelta(days=1)  # a local day reaches at most 14 hours either side of UTC's
    held = session.exec(
        select(TherapySession.id, TherapySession.starts_at).where(
            TherapySession.couple_id == couple_id, TherapySession.attendance == "held",
            col(TherapySession.starts_at) >= changes[0].changed_at - margin,
            col(TherapySession.starts_at) <= changes[-1].changed_at + margin,
        ).order_by(col(TherapySession.starts_at), col(TherapySession.id))
    ).all()
    by_day: dict[date, tuple[int, datetime]] = {}
    for sid, starts_at in held:
        if sid is not None:
            by_day.setdefault(starts_at.astimezone(here).date(), (sid, starts_at))
    steps = []
    for change in changes:
        found = by_day.get(change.changed_at.astimezone(here).date())
        steps.append(StatusStep(change, *found) if found else StatusStep(change))
    return steps


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def record_checkin(
    session: Session, *, actor: Counselor, agreement_id: int, data: CheckInCreate
) -> AgreementCheckIn:
    """Record (or correct) whether the agreement was kept, as discussed at one session."""
    agreement = get_agreement(session, actor=actor, agreement_id=agreement_id)
    therapy = session.get(TherapySession, data.session_id)
    if therapy is None or therapy.couple_id != agreement.couple_id:
        raise InvalidField("session_id", "That session is not one of this couple's sessions")
    if therapy.attendance != "held":
        raise Conflict("Agreements are checked in on at a held session: mark the session held first")
    existing = session.exec(select(AgreementCheckIn).where(
        AgreementCheckIn.agreement_id == agreement.id, AgreementCheckIn.session_id == therapy.id,
    )).first()
    checkin = existing or AgreementCheckIn(
        practice_id=actor.practice_id, agreement_id=agreement.id, session_id=therapy.id,
        outcome=data.outcome, recorded_by_id=actor.id,
    )
    checkin.outcome = data.outcome
    checkin.comment = data.comment
    session.add(checkin)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="checkin",
           entity="agreement", entity_id=agreement.id, detail={"session_id": therapy.id})
    return checkin
