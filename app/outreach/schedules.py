"""Questionnaires on a schedule, as the counselor handles them: set one up, change, pause, resume, stop.

A schedule belongs to a couple (both partners get each send) or to one client, and is looked up
through the actor's caseload (another's is a 404). Making or resuming one runs its part of the
sweep in the same request (``sending.sweep_schedule``), so a schedule due today is in the outbox
(or the mail queue) at once, not a minute later. A resume sends no backlog: occurrences that fell
due while it was paused are skipped (``skip_before``). Every change is audited; nothing commits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, func, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.clients.service import client_visible, couple_visible
from app.clients.subjects import Subject, load_subject
from app.db import utcnow
from app.errors import Conflict, InvalidField, NotFound
from app.instruments.catalog import default_catalog
from app.outreach import plan, sending
from app.outreach.models import Message, Schedule
from app.outreach.schemas import ScheduleCreate, SchedulePublic, ScheduleUpdate
from app.practice.models import Practice
from app.sessions.service import SessionTimes

ENTITY = "schedule"
#: The most every N may be, per rule (the request model allows up to 52 for both).
EVERY_LIMITS = {"every_weeks": 52, "every_sessions": 20}
RULE_FIELDS = ("rule", "every", "days_before", "starts_on", "ends_on", "link_days")


# --- words ------------------------------------------------------------------------


def when_words(at: datetime, zone: ZoneInfo, now: datetime | None = None) -> str:
    """"Tue 8 Dec, 09:00" in the practice's zone (with the year when it is not this year's)."""
    local = at.astimezone(zone)
    year = "" if now is None or local.year == now.astimezone(zone).year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"


def day_words(on: date) -> str:
    return f"{on:%a} {on.day} {on:%b} {on.year}"


def rule_words(schedule: Schedule) -> str:
    """The rule in words: "Every 3 weeks from Mon 5 Jan 2026 until Sun 1 Mar 2026"."""
    every = schedule.every or 1
    if schedule.rule == "once":
        text = f"Once, on {day_words(schedule.starts_on)}"
    elif schedule.rule == "every_weeks":
        text = ("Every week" if every == 1 else f"Every {every} weeks") + f" from {day_words(schedule.starts_on)}"
    elif schedule.rule == "every_sessions":
        text = ("After every held session" if every == 1 else f"After every {every} held sessions") + \
            f" from {day_words(schedule.starts_on)}"
    else:
        days = schedule.days_before or 0
        ahead = "On the day of" if days == 0 else ("1 day before" if days == 1 else f"{days} days before")
        text = f"{ahead} each planned session from {day_words(schedule.starts_on)}"
    if schedule.ends_on is not None and schedule.rule != "once":
        text += f" until {day_words(schedule.ends_on)}"
    return text


ENDED_WORDS = {"stopped": "stopped", "discharged": "discharged", "end date reached": "end date reached"}


def next_words(schedule: Schedule, due: plan.NextDue | None, zone: ZoneInfo, now: datetime,
               sent: bool = False) -> str:
    if schedule.status == "ended" and schedule.ended_reason == "sent":
        return "Sent"  # a once-only schedule that has given everyone their link
    if schedule.status == "ended":
        return f"Ended ({ENDED_WORDS.get(schedule.ended_reason or '', schedule.ended_reason or 'ended')})"
    if schedule.status == "paused":
        return "Paused"
    if due is None:
        if schedule.rule == "before_session":
            return "When a session is planned"
        return "Sent" if schedule.rule == "once" and sent else "Nothing more to send"
    if due.sessions_to_go is not None:
        n = due.sessions_to_go
        return "After the next held session" if n == 1 else f"After {n} more held sessions"
    assert due.at is not None
    return when_words(due.at, zone, now)


# --- finding ----------------------------------------------------------------------


def schedule_visible(actor: Counselor) -> ColumnElement[bool]:
    """SQL condition: the schedule's couple or client is in the actor's caseload."""
    couples = select(Couple.id).where(couple_visible(actor))
    clients = select(Client.id).where(client_visible(actor))
    return and_(col(Schedule.practice_id) == actor.practice_id,
                or_(col(Schedule.couple_id).in_(couples), col(Schedule.client_id).in_(clients)))


def get_schedule(session: Session, *, actor: Counselor, schedule_id: int) -> Schedule:
    found = session.exec(select(Schedule).where(Schedule.id == schedule_id, schedule_visible(actor))).first()
    if found is None:
        raise NotFound("Schedule")
    return found


def subject_of(session: Session, *, actor: Counselor, schedule: Schedule) -> Subject:
    return load_subject(session, actor=actor, couple_id=schedule.couple_id, client_id=schedule.client_id)


def _zone(session: Session, practice_id: int) -> ZoneInfo:
    practice = session.get(Practice, practice_id)
    assert practice is not None
    return sending.zone_of(practice)


# --- checking ---------------------------------------------------------------------


def _check(values: dict[str, Any]) -> dict[str, Any]:
    """The rule's own fields kept, the others cleared; a 422 naming the field that breaks a rule."""
    rule = values["rule"]
    if rule in EVERY_LIMITS:
        every, top = values.get("every"), EVERY_LIMITS[rule]
        unit = "weeks" if rule == "every_weeks" else "held sessions"
        if every is None:
            raise InvalidField("every", f"Say every how many {unit} (1 to {top})")
        if not 1 <= every <= top:
            raise InvalidField("every", f"Choose from 1 to {top} {unit}")
    else:
        values["every"] = None
    if rule == "before_session":
        if values.get("days_before") is None:
            raise InvalidField("days_before", "Say how many days before each session (0 to 14)")
    else:
        values["days_before"] = None
    if rule == "once":
        values["ends_on"] = None
    if values.get("ends_on") is not None and values["ends_on"] < values["starts_on"]:
        raise InvalidField("ends_on", "The end date can't be before the start date")
    return values


def _instrument(instrument_id: str, rule: str) -> str:
    catalog = default_catalog()
    if not catalog.versions(instrument_id):
        raise InvalidField("instrument_id", f"No questionnaire '{instrument_id}'")
    if catalog.latest(instrument_id).kind == "intake" and rule != "once":
        raise InvalidField("rule", "An intake is given once: choose “once”")
    return instrument_id


def _active(subject: Subject) -> None:
    if subject.couple is not None and subject.couple.status == "discharged":
        raise Conflict("This couple is discharged; nothing can be scheduled for them")
    if subject.couple is None and subject.people[0].status != "active":
        raise Conflict("This client is discharged; reopen their file first")


# --- changing ---------------------------------------------------------------------


def create_schedule(
    session: Session, *, actor: Counselor, data: ScheduleCreate, couple_id: int | None = None,
    client_id: int | None = None, now: datetime | None = None,
) -> Schedule:
    """Set up a schedule for a couple (both partners) or a client, and send what is due now."""
    now = now or utcnow()
    subject = load_subject(session, actor=actor, couple_id=couple_id, client_id=client_id)
    _active(subject)
    values = data.model_dump()
    values["starts_on"] = values["starts_on"] or now.astimezone(_zone(session, actor.practice_id)).date()
    values = _check(values)
    _instrument(data.instrument_id, data.rule)
    schedule = Schedule(practice_id=actor.practice_id, counselor_id=actor.id,  # type: ignore[arg-type]
                        couple_id=subject.couple_id, client_id=None if subject.couple else subject.id,
                        created_at=now, updated_at=now, **values)
    session.add(schedule)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="create", entity=ENTITY,
           entity_id=schedule.id, detail={"instrument": schedule.instrument_id, "rule": schedule.rule,
                                          "couple_id": schedule.couple_id, "client_id": schedule.client_id})
    sending.sweep_schedule(session, schedule, now)
    return schedule


def update_schedule(
    session: Session, *, actor: Counselor, schedule_id: int, data: ScheduleUpdate, now: datetime | None = None,
) -> Schedule:
    """Change the rule, its numbers, the dates or the link's days of a schedule that hasn't ended."""
    now = now or utcnow()
    schedule = get_schedule(session, actor=actor, schedule_id=schedule_id)
    if schedule.status == "ended":
        raise Conflict("This schedule has ended; set up a new one instead")
    changes = data.model_dump(exclude_unset=True)
    for field in ("rule", "starts_on"):
        if field in changes and changes[field] is None:
            raise InvalidField(field, f"{field} cannot be empty")
    values = _check({f: getattr(schedule, f) for f in RULE_FIELDS} | changes)
    _instrument(schedule.instrument_id, values["rule"])
    changed = sorted(f for f in RULE_FIELDS if values[f] != getattr(schedule, f))
    for field in changed:
        setattr(schedule, field, values[field])
    schedule.updated_at = now
    session.add(schedule)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="update", entity=ENTITY,
           entity_id=schedule.id, detail={"fields": changed})
    if schedule.status == "active":
        sending.sweep_schedule(session, schedule, now)
    return schedule


def _set_status(session: Session, actor: Counselor, schedule: Schedule, action: str, now: datetime) -> None:
    schedule.updated_at = now
    session.add(schedule)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action=action, entity=ENTITY,
           entity_id=schedule.id)


def pause_schedule(session: Session, *, actor: Counselor, schedule_id: int, now: datetime | None = None) -> Schedule:
    """Nothing new is sent until it is resumed; links already sent keep working."""
    now = now or utcnow()
    schedule = get_schedule(session, actor=actor, schedule_id=schedule_id)
    if schedule.status != "active":
        raise Conflict(f"This schedule is {schedule.status}, not active")
    schedule.status = "paused"
    _set_status(session, actor, schedule, "pause", now)
    return schedule


def resume_schedule(session: Session, *, actor: Counselor, schedule_id: int, now: datetime | None = None) -> Schedule:
    """Start again from now: what fell due during the pause is not sent (a once-only send still is)."""
    now = now or utcnow()
    schedule = get_schedule(session, actor=actor, schedule_id=schedule_id)
    if schedule.status != "paused":
        raise Conflict(f"This schedule is {schedule.status}, not paused")
    _active(subject_of(session, actor=actor, schedule=schedule))
    schedule.status = "active"
    if schedule.rule != "once":  # one send is no backlog: a paused once-only send goes when resumed
        schedule.skip_before = now
    _set_status(session, actor, schedule, "resume", now)
    sending.sweep_schedule(session, schedule, now)
    return schedule


def stop_schedule(session: Session, *, actor: Counselor, schedule_id: int, now: datetime | None = None) -> Schedule:
    """End it for good; its messages that haven't gone out are cancelled (links already sent still work)."""
    now = now or utcnow()
    schedule = get_schedule(session, actor=actor, schedule_id=schedule_id)
    if schedule.status == "ended":
        raise Conflict("This schedule has already ended")
    cancelled = sending.end_schedule(session, schedule, reason="stopped", now=now)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="stop", entity=ENTITY,
           entity_id=schedule.id, detail={"cancelled_messages": cancelled})
    return schedule


# --- reading ----------------------------------------------------------------------


def _last_sent(session: Session, schedule_ids: list[int]) -> dict[int, datetime]:
    if not schedule_ids:
        return {}
    rows = session.exec(select(Message.schedule_id, func.max(Message.created_at))
                        .where(col(Message.schedule_id).in_(schedule_ids), Message.kind == "invitation",
                               Message.status != "cancelled")
                        .group_by(Message.schedule_id)).all()
    return {sid: at for sid, at in rows if sid is not None}


def to_public(schedule: Schedule, *, zone: ZoneInfo, now: datetime, held: list[datetime],
              planned: list[tuple[int, datetime]], last_sent: datetime | None) -> SchedulePublic:
    due = (plan.next_due(sending.rule_of(schedule), zone=zone, held=held, planned=planned, now=now)
           if schedule.status == "active" else None)
    catalog = default_catalog()
    title = catalog.latest(schedule.instrument_id).title if catalog.versions(schedule.instrument_id) else \
        schedule.instrument_id
    assert schedule.id is not None
    return SchedulePublic(
        id=schedule.id, couple_id=schedule.couple_id, client_id=schedule.client_id,
        instrument_id=schedule.instrument_id, title=title, rule=schedule.rule,  # type: ignore[arg-type]
        every=schedule.every, days_before=schedule.days_before, starts_on=schedule.starts_on,
        ends_on=schedule.ends_on, link_days=schedule.link_days, status=schedule.status,  # type: ignore[arg-type]
        ended_reason=schedule.ended_reason, rule_text=rule_words(schedule),
        next_due_at=due.at if due else None, sessions_to_go=due.sessions_to_go if due else None,
        next_due_text=next_words(schedule, due, zone, now, sent=last_sent is not None), last_sent_at=last_sent,
        created_at=schedule.created_at,
    )


def list_schedules(session: Session, *, subject: Subject, now: datetime | None = None) -> list[SchedulePublic]:
    """The couple's or client's schedules (active and paused first, then ended), each with its next send."""
    now = now or utcnow()
    where = (Schedule.couple_id == subject.id if subject.couple is not None
             else Schedule.client_id == subject.id)
    rows = list(session.exec(select(Schedule).where(where, Schedule.practice_id == subject.practice_id)
                             .order_by(col(Schedule.created_at), col(Schedule.id))).all())
    if not rows:
        return []
    zone = _zone(session, subject.practice_id)
    found = sending.times_for(session, rows[:1]).get(sending.subject_key(rows[0]), SessionTimes())
    held, planned = found.held, found.planned  # one subject: the same sessions for each
    last = _last_sent(session, [r.id for r in rows if r.id is not None])
    shown = [to_public(r, zone=zone, now=now, held=held, planned=planned, last_sent=last.get(r.id or 0))
             for r in rows]
    return sorted(shown, key=lambda s: s.status == "ended")


def schedule_public(session: Session, schedule: Schedule, *, now: datetime | None = None) -> SchedulePublic:
    now = now or utcnow()
    found = sending.times_for(session, [schedule]).get(sending.subject_key(schedule), SessionTimes())
    held, planned = found.held, found.planned
    assert schedule.id is not None
    return to_public(schedule, zone=_zone(session, schedule.practice_id), now=now, held=held, planned=planned,
                     last_sent=_last_sent(session, [schedule.id]).get(schedule.id))
