"""The sweep: what has come due, made into administrations and messages (idempotent).

``sweep`` runs every minute in the worker (and at its start): it ends schedules whose couple or
client was discharged or whose end date passed, makes the occurrence each active schedule has
due (one administration per person, with its link, and an invitation), makes the reminders of
open links, lets held messages go once their reason is gone, and cancels what is no longer
needed. Every row it makes has a unique key, so a sweep run twice at once or after a crash makes
nothing twice. It flushes; the caller commits. It returns the queued emails to deliver.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from app.audit.service import record
from app.clients.models import Client, Couple
from app.db import utcnow
from app.instruments.catalog import default_catalog
from app.outreach import plan
from app.outreach.contact import channel_for, hold_reason
from app.outreach.models import Message, Schedule
from app.practice.models import Practice
from app.questionnaires.administrations.links import issue_link
from app.questionnaires.administrations.service import open_link_of
from app.questionnaires.administrations.state import effective_status
from app.questionnaires.models import Administration
from app.sessions.models import TherapySession
from app.sessions.service import SessionTimes, session_times

OPEN = ("pending", "in_progress")


@dataclass
class SweepResult:
    invitations: int = 0
    reminders: int = 0
    released: int = 0
    cancelled: int = 0
    ended: int = 0
    to_deliver: list[int] = field(default_factory=list)


def zone_of(practice: Practice) -> ZoneInfo:
    return ZoneInfo(practice.timezone or "UTC")


def schedule_clients(session: Session, schedule: Schedule) -> list[Client]:
    """Both partners of a couple's schedule, or the one client."""
    if schedule.client_id is not None:
        client = session.get(Client, schedule.client_id)
        return [client] if client is not None else []
    couple = session.get(Couple, schedule.couple_id)
    if couple is None:
        return []
    return [c for c in (session.get(Client, couple.partner_a_id), session.get(Client, couple.partner_b_id)) if c]


def rule_of(schedule: Schedule) -> plan.Rule:
    return plan.Rule(rule=schedule.rule, starts_on=schedule.starts_on, every=schedule.every,
                     days_before=schedule.days_before, ends_on=schedule.ends_on, skip_before=schedule.skip_before,
                     created_at=schedule.created_at)


def times_for(session: Session, schedules: Sequence[Schedule]) -> dict[tuple[str, int], SessionTimes]:
    """The held and planned sessions of every couple and client these schedules are for, in one query."""
    return session_times(session, couple_ids={s.couple_id for s in schedules if s.couple_id is not None},
                         client_ids={s.client_id for s in schedules if s.client_id is not None})


def subject_key(schedule: Schedule) -> tuple[str, int]:
    return ("couple", schedule.couple_id) if schedule.couple_id is not None else ("client", schedule.client_id)  # type: ignore[return-value]


def _discharged(session: Session, schedule: Schedule) -> bool:
    """The couple or client was discharged (for a couple: as a couple, or both partners)."""
    if schedule.couple_id is not None:
        couple = session.get(Couple, schedule.couple_id)
        if couple is None or couple.status == "discharged":
            return True
    return all(client.status == "discharged" for client in schedule_clients(session, schedule))


def end_schedule(session: Session, schedule: Schedule, *, reason: str, now: datetime, cancel: bool = True) -> int:
    """End a schedule and (unless it ended because it has sent all it had to) cancel its
    messages that have not gone out; returns how many."""
    schedule.status, schedule.ended_reason, schedule.updated_at = "ended", reason, now
    session.add(schedule)
    if not cancel:
        return 0
    waiting = session.exec(select(Message).where(Message.schedule_id == schedule.id,
                                                 col(Message.status).in_(("held", "queued")),
                                                 Message.kind == "invitation")).all()
    for message in waiting:
        _cancel(session, message, now)
    return len(waiting)


def discharged(session: Session, *, couple_id: int | None = None, client_id: int | None = None,
               now: datetime | None = None) -> int:
    """A couple or client was just discharged: end their schedules and cancel every message still
    waiting for them now, rather than at the next sweep. Returns how many messages."""
    now = now or utcnow()
    owner = Schedule.couple_id == couple_id if couple_id is not None else Schedule.client_id == client_id
    for schedule in session.exec(select(Schedule).where(owner, Schedule.status != "ended")).all():
        end_schedule(session, schedule, reason="discharged", now=now, cancel=False)
    about = Message.couple_id == couple_id if couple_id is not None else Message.client_id == client_id
    waiting = session.exec(select(Message).where(about, col(Message.status).in_(("held", "queued", "outbox")))).all()
    for message in waiting:
        _cancel(session, message, now)
    session.flush()
    return len(waiting)


def _cancel(session: Session, message: Message, now: datetime) -> None:
    message.status, message.updated_at, message.next_attempt_at = "cancelled", now, None
    session.add(message)


def _add_unique(session: Session, message: Message) -> bool:
    """Insert a message unless its key exists (a concurrent sweep made it first)."""
    if session.exec(select(Message.id).where(Message.key == message.key)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        return False
    return True


def _give(session: Session, schedule: Schedule, client: Client, practice: Practice, now: datetime) -> Administration:
    """A link administration of the schedule's questionnaire, expiring per schedule or practice."""
    definition = default_catalog().latest(schedule.instrument_id)
    administration = Administration(
        practice_id=schedule.practice_id, client_id=client.id, couple_id=schedule.couple_id,  # type: ignore[arg-type]
        counselor_id=schedule.counselor_id, instrument_id=definition.id, instrument_version=definition.version,
        definition_checksum=definition.checksum, mode="link", schedule_id=schedule.id, created_at=now,
    )
    issue_link(administration, days=schedule.link_days or practice.link_days, now=now)
    session.add(administration)
    session.flush()
    record(session, actor=None, actor_kind="system", practice_id=schedule.practice_id, action="create",
           entity="administration", entity_id=administration.id,
           detail={"instrument": definition.label, "mode": "link", "client_id": client.id,
                   "schedule_id": schedule.id})
    return administration


def _ready(session: Session, message: Message, client: Client, now: datetime) -> None:
    """Hold the message, or put it where it goes: the mail queue or the counselor's outbox."""
    reason = hold_reason(session, client, message.channel)
    if reason is not None:
        message.status, message.held_reason = "held", reason
    elif message.channel == "email":
        message.status, message.held_reason, message.next_attempt_at = "queued", None, None
    else:
        # Not sent yet: it is sent when the counselor passes it on, and reminders count from then.
        message.status, message.held_reason = "outbox", None
    message.updated_at = now


def invite(session: Session, schedule: Schedule, client: Client, practice: Practice, occurrence: plan.Occurrence,
           now: datetime) -> Message | None:
    """Make one occurrence's invitation for one person (None if it exists already)."""
    message = Message(practice_id=schedule.practice_id, client_id=client.id,  # type: ignore[arg-type]
                      couple_id=schedule.couple_id, schedule_id=schedule.id,
                      key=f"s{schedule.id}:{occurrence.key}:c{client.id}", kind="invitation",
                      channel=channel_for(client), due_at=occurrence.due_at, created_at=now, updated_at=now)
    if session.exec(select(Message.id).where(Message.key == message.key)).first() is not None:
        return None
    try:
        # One savepoint for the administration and its message: a concurrent sweep that made
        # this occurrence first leaves no administration without a message behind.
        with session.begin_nested():
            _ready(session, message, client, now)
            if message.status != "held":
                message.administration_id = _give(session, schedule, client, practice, now).id
            session.add(message)
            session.flush()
    except IntegrityError:
        return None
    return message


def _has_open_link(session: Session, schedule: Schedule, client_id: int, now: datetime) -> bool:
    """The person already has a working link to this questionnaire in this context (from any
    schedule, or sent by hand): a new one waits, so nobody holds two of the same at once."""
    return open_link_of(session, client_id=client_id, instrument_id=schedule.instrument_id,
                        couple_id=schedule.couple_id, now=now) is not None


def _made_keys(session: Session, schedule: Schedule, client_id: int) -> set[str]:
    keys = session.exec(select(Message.key).where(Message.schedule_id == schedule.id,
                                                  Message.client_id == client_id, Message.kind == "invitation")).all()
    return {k.split(":")[1] for k in keys}


def _sweep_schedule(session: Session, schedule: Schedule, practice: Practice, now: datetime,
                    result: SweepResult, times: SessionTimes) -> None:
    if _discharged(session, schedule):
        result.cancelled += end_schedule(session, schedule, reason="discharged", now=now)
        result.ended += 1
        return
    zone = zone_of(practice)
    if schedule.ends_on is not None and now.astimezone(zone).date() > schedule.ends_on:
        result.cancelled += end_schedule(session, schedule, reason="end date reached", now=now)
        result.ended += 1
        return
    held, planned = times.held, times.planned
    people = [c for c in schedule_clients(session, schedule) if c.status == "active"]
    for client in people:
        assert client.id is not None
        if _has_open_link(session, schedule, client.id, now):
            continue
        due = plan.due_now(rule_of(schedule), zone=zone, held=held, planned=planned, now=now,
                           made=_made_keys(session, schedule, client.id))
        if due is not None and invite(session, schedule, client, practice, due, now) is not None:
            result.invitations += 1
    if schedule.rule == "once" and _all_given(session, schedule, people):
        end_schedule(session, schedule, reason="sent", now=now, cancel=False)


def _all_given(session: Session, schedule: Schedule, people: list[Client]) -> bool:
    """Everyone on a once-only schedule has their link (none of its messages still held)."""
    statuses = session.exec(select(Message.client_id, Message.status).where(
        Message.schedule_id == schedule.id, Message.kind == "invitation")).all()
    given = {client_id for client_id, status in statuses if status != "held"}
    return bool(people) and all(c.id in given for c in people)


def sweep_schedule(session: Session, schedule: Schedule, now: datetime) -> SweepResult:
    """One schedule's pass of the sweep, right away (a counselor has just made or resumed it)."""
    practice = session.get(Practice, schedule.practice_id)
    assert practice is not None
    result = SweepResult()
    times = times_for(session, [schedule]).get(subject_key(schedule), SessionTimes())
    _sweep_schedule(session, schedule, practice, now, result, times)
    session.flush()
    return result


def _first_messages(session: Session, administration_ids: list[int]) -> dict[int, Message]:
    """Each administration's invitation (the message its reminders count from), in one query."""
    if not administration_ids:
        return {}
    rows = session.exec(select(Message).where(col(Message.administration_id).in_(administration_ids),
                                              Message.kind == "invitation")).all()
    return {m.administration_id: m for m in rows if m.administration_id is not None}


def _remind(session: Session, administration: Administration, first: Message | None, practice: Practice,
            now: datetime, result: SweepResult) -> None:
    # Only once the first message has gone out (emailed, or passed on by the counselor): a
    # reminder of a message never received would puzzle whoever reads it.
    if first is None or first.status != "sent" or first.sent_at is None or administration.expires_at is None:
        return
    slots = plan.reminder_times(first_sent_at=first.sent_at, expires_at=administration.expires_at,
                                after_days=practice.reminder_after_days, before_days=practice.reminder_before_days)
    due = [(slot, at) for slot, at in slots if at <= now]
    if not due:
        return
    slot, at = due[-1]
    client = session.get(Client, administration.client_id)
    assert client is not None and administration.token_hash is not None
    if client.status != "active":
        return
    message = Message(practice_id=administration.practice_id, client_id=administration.client_id,
                      couple_id=administration.couple_id, schedule_id=administration.schedule_id,
                      administration_id=administration.id,
                      key=f"r{administration.id}:{slot}:{administration.token_hash[:10]}", kind="reminder",
                      channel=first.channel, due_at=at, created_at=now, updated_at=now)
    if session.exec(select(Message.id).where(Message.key == message.key)).first() is not None:
        return
    _ready(session, message, client, now)
    if _add_unique(session, message):
        result.reminders += 1


def release(session: Session, message: Message, practice: Practice, now: datetime) -> bool:
    """Let one held message go if its reason is gone (giving its link now); False while it waits."""
    client = session.get(Client, message.client_id)
    assert client is not None
    message.channel = channel_for(client) if message.channel == "email" else message.channel
    _ready(session, message, client, now)
    if message.status == "held":
        session.add(message)
        return False
    if message.administration_id is None and message.schedule_id is not None:
        schedule = session.get(Schedule, message.schedule_id)
        assert schedule is not None
        message.administration_id = _give(session, schedule, client, practice, now).id
    session.add(message)
    return True


def _release_held(session: Session, practice: Practice, now: datetime, result: SweepResult) -> None:
    held = session.exec(select(Message).where(Message.practice_id == practice.id, Message.status == "held")).all()
    for message in held:
        if not _reachable(session, message):
            _cancel(session, message, now)
            result.cancelled += 1
            continue
        result.released += release(session, message, practice, now)


def _close_finished(session: Session, practice: Practice, now: datetime, result: SweepResult) -> None:
    """Messages whose link no longer takes answers, or whose client stopped reminders, end here."""
    rows = session.exec(select(Message, Administration)
                        .join(Administration, col(Administration.id) == col(Message.administration_id))
                        .where(Message.practice_id == practice.id,
                               col(Message.status).in_(("held", "queued", "outbox")))).all()
    unplanned = _unplanned_sessions(session, [m for m, _ in rows])
    for message, administration in rows:
        if _session_of(message) in unplanned:
            _withdraw(session, administration, now)
        status = effective_status(administration, now)
        stopped = message.kind == "reminder" and administration.reminders_stopped_at is not None
        if status in OPEN and not stopped and _reachable(session, message):
            continue
        if message.status == "outbox" and status == "submitted":
            message.status, message.updated_at = "sent", now  # it evidently reached the client
            session.add(message)
        else:
            _cancel(session, message, now)
        result.cancelled += 1


def _reachable(session: Session, message: Message) -> bool:
    """Nothing more goes to a discharged client, or about a discharged couple's work."""
    client = session.get(Client, message.client_id)
    if client is None or client.status != "active":
        return False
    couple = session.get(Couple, message.couple_id) if message.couple_id is not None else None
    return couple is None or couple.status != "discharged"


def _session_of(message: Message) -> int | None:
    """The planned session a before-session message was for ("s4:p17:c2" -> 17)."""
    occurrence = message.key.split(":")[1] if message.key.startswith("s") else ""
    return int(occurrence[1:]) if occurrence.startswith("p") and occurrence[1:].isdigit() else None


def _unplanned_sessions(session: Session, messages: list[Message]) -> set[int]:
    """Of the sessions these messages were sent before, those no longer planned (cancelled, or gone)."""
    ids = {sid for m in messages if (sid := _session_of(m)) is not None}
    if not ids:
        return set()
    still = session.exec(select(TherapySession.id).where(col(TherapySession.id).in_(ids),
                                                         TherapySession.attendance == "planned")).all()
    return ids - set(still)


def _withdraw(session: Session, administration: Administration, now: datetime) -> None:
    """The session a check-in was sent before won't happen: close its link if nothing was saved yet."""
    if administration.status != "pending" or effective_status(administration, now) not in OPEN:
        return
    administration.status, administration.revoked_at = "revoked", now
    session.add(administration)
    record(session, actor=None, actor_kind="system", practice_id=administration.practice_id, action="revoke",
           entity="administration", entity_id=administration.id, detail={"reason": "session no longer planned"})


def _open_links(session: Session, practice: Practice, now: datetime) -> Iterable[Administration]:
    rows = session.exec(select(Administration).where(
        Administration.practice_id == practice.id, Administration.mode == "link",
        col(Administration.status).in_(OPEN), col(Administration.reminders_stopped_at).is_(None),
        or_(col(Administration.expires_at).is_(None), col(Administration.expires_at) > now))).all()
    return rows


def sweep(session: Session, *, now: datetime | None = None) -> SweepResult:
    """One pass over every practice (see the module's docstring)."""
    now = now or utcnow()
    result = SweepResult()
    for practice in session.exec(select(Practice)).all():
        schedules = session.exec(select(Schedule).where(Schedule.practice_id == practice.id,
                                                        Schedule.status == "active")).all()
        times = times_for(session, schedules)
        for schedule in schedules:
            _sweep_schedule(session, schedule, practice, now, result, times.get(subject_key(schedule), SessionTimes()))
        links = list(_open_links(session, practice, now))
        firsts = _first_messages(session, [a.id for a in links if a.id is not None])
        for administration in links:
            _remind(session, administration, firsts.get(administration.id), practice, now, result)
        _release_held(session, practice, now, result)
        _close_finished(session, practice, now, result)
    session.flush()
    result.to_deliver = due_emails(session, now=now)
    return result


def due_emails(session: Session, *, now: datetime, limit: int = 5000) -> list[int]:
    """Queued emails whose time has come and that no worker holds."""
    rows = session.exec(select(Message.id).where(
        Message.status == "queued", col(Message.due_at) <= now + timedelta(seconds=1),
        or_(col(Message.next_attempt_at).is_(None), col(Message.next_attempt_at) <= now))
        .order_by(col(Message.due_at)).limit(limit)).all()
    return [r for r in rows if r is not None]
