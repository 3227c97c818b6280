"""The counselor's queue: what in the measurement loop needs them, each row saying why.

Categories, each read in one or two queries over the actor's caseload (an owner: the practice):

- ``due``: a schedule's next send within ``DUE_DAYS``, and messages waiting for the mail worker;
- ``to_pass_on``: messages in the outbox for the counselor to pass on by hand;
- ``overdue``: a scheduled link that expired in the last ``RECENT_DAYS`` without being sent back,
  with nothing newer from that schedule for that person;
- ``opened_not_sent``: a working link opened (or started) but not sent back;
- ``never_opened``: a working link given more than ``UNOPENED_DAYS`` ago and never opened;
- ``expiring_soon``: a working link expiring within ``EXPIRING_DAYS``;
- ``held``: messages held (safety flag, email not safe or unknown, no address);
- ``undeliverable``: emails the mail server refused or never took, in the last ``RECENT_DAYS``;
- ``reminders_stopped``: links still open whose client stopped reminders from the message.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.clients.service import client_visible, couples_public, display_names
from app.db import utcnow
from app.instruments.catalog import default_catalog
from app.outreach import plan, sending
from app.outreach.contact import HOLD_REASONS
from app.outreach.models import Message, Schedule
from app.outreach.schedules import rule_words, schedule_visible, when_words
from app.outreach.schemas import QueuePublic, QueueRowPublic
from app.practice.models import Practice
from app.questionnaires.administrations.service import administration_visible
from app.questionnaires.models import Administration, LinkEvent
from app.sessions.service import SessionTimes

DUE_DAYS = 3
RECENT_DAYS = 30
UNOPENED_DAYS = 2
EXPIRING_DAYS = 2
OPEN = ("pending", "in_progress")

CATEGORIES = {
    "due": "Due",
    "to_pass_on": "To pass on",
    "overdue": "Overdue",
    "opened_not_sent": "Opened but not sent back",
    "never_opened": "Never opened",
    "expiring_soon": "Expiring soon",
    "held": "Held",
    "undeliverable": "Undeliverable",
    "reminders_stopped": "Reminders stopped by the client",
}


@dataclass(frozen=True)
class Queue:
    """The rows by category (every category present, maybe empty) and their counts."""

    rows: dict[str, list[QueueRowPublic]]

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.rows.items()}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def public(self) -> QueuePublic:
        return QueuePublic(counts=self.counts, rows=[r for rows in self.rows.values() for r in rows])


def _title(instrument_id: str, version: int | None = None) -> str:
    catalog = default_catalog()
    found = catalog.find(instrument_id, version) if version is not None else None
    if found is None and catalog.versions(instrument_id):
        found = catalog.latest(instrument_id)
    return found.title if found else instrument_id


class _Names:
    """Client and couple names for the rows, in one query each."""

    def __init__(self, session: Session, client_ids: set[int], couple_ids: set[int]) -> None:
        self.clients = display_names(session, list(client_ids))
        couples = list(session.exec(select(Couple).where(col(Couple.id).in_(couple_ids))).all()) if couple_ids else []
        self.couples = {c.id: c.name for c in couples_public(session, couples)}

    def of(self, client_id: int | None, couple_id: int | None) -> str:
        if client_id is not None:
            return self.clients.get(client_id, "")
        return self.couples.get(couple_id or 0, "")


def _visible_links(actor: Counselor, now: datetime):  # type: ignore[no-untyped-def]
    """Link administrations in the caseload that still take answers."""
    return and_(administration_visible(actor), col(Administration.mode) == "link",
                col(Administration.status).in_(OPEN), col(Administration.expires_at) > now)


def _opened():  # type: ignore[no-untyped-def]
    return exists().where(col(LinkEvent.administration_id) == col(Administration.id), LinkEvent.kind == "opened")


def _not_yet_passed_on():  # type: ignore[no-untyped-def]
    return exists().where(col(Message.administration_id) == col(Administration.id), Message.kind == "invitation",
                          col(Message.status).in_(("held", "queued", "outbox")))


def _links(session: Session, actor: Counselor, now: datetime, zone: ZoneInfo) -> dict[str, list[QueueRowPublic]]:
    """Overdue, opened but not sent back, never opened, expiring soon, reminders stopped."""
    found: dict[str, list[tuple[Administration, str, datetime | None]]] = defaultdict(list)
    newer = aliased(Administration)
    expired = session.exec(select(Administration).where(
        administration_visible(actor), col(Administration.schedule_id).is_not(None),
        col(Administration.status).in_(OPEN), col(Administration.expires_at) <= now,
        col(Administration.expires_at) > now - timedelta(days=RECENT_DAYS),
        ~exists().where(col(newer.schedule_id) == col(Administration.schedule_id),
                        col(newer.client_id) == col(Administration.client_id),
                        col(newer.created_at) > col(Administration.created_at)))).all()
    for a in expired:
        assert a.expires_at is not None
        found["overdue"].append((a, f"The link expired {when_words(a.expires_at, zone, now)} without being sent "
                                    "back", a.expires_at))
    opened = _opened()
    rows = session.exec(select(Administration, opened.label("opened")).where(_visible_links(actor, now))
                        .order_by(col(Administration.expires_at))).all()
    for a, was_opened in rows:
        assert a.expires_at is not None
        if a.status == "in_progress" or was_opened:
            why = "Started, not sent back yet" if a.status == "in_progress" else "Opened, not sent back yet"
            found["opened_not_sent"].append((a, why, a.last_saved_at or a.created_at))
        if a.expires_at <= now + timedelta(days=EXPIRING_DAYS):
            found["expiring_soon"].append((a, f"The link expires {when_words(a.expires_at, zone, now)}",
                                           a.expires_at))
        if a.reminders_stopped_at is not None:
            found["reminders_stopped"].append((a, "The client stopped reminders for this link on "
                                                  f"{when_words(a.reminders_stopped_at, zone, now)}",
                                               a.reminders_stopped_at))
    unopened = session.exec(select(Administration).where(
        _visible_links(actor, now), Administration.status == "pending",
        col(Administration.created_at) < now - timedelta(days=UNOPENED_DAYS), ~_opened(), ~_not_yet_passed_on())
        .order_by(col(Administration.created_at))).all()
    for a in unopened:
        found["never_opened"].append((a, f"Given {when_words(a.created_at, zone, now)}; not opened yet", a.created_at))
    names = _Names(session, {a.client_id for rows in found.values() for a, _, _ in rows}, set())
    return {category: [QueueRowPublic(
        category=category, client_id=a.client_id, couple_id=a.couple_id, name=names.of(a.client_id, None),  # type: ignore[arg-type]
        title=_title(a.instrument_id, a.instrument_version), why=why, at=at, administration_id=a.id,
        schedule_id=a.schedule_id) for a, why, at in rows] for category, rows in found.items()}


def _messages(session: Session, actor: Counselor, now: datetime) -> dict[str, list[QueueRowPublic]]:
    """Queued and outbox messages (due), held ones, and recent undeliverable ones."""
    rows = session.exec(
        select(Message, Administration, Schedule)
        .join(Administration, col(Administration.id) == col(Message.administration_id), isouter=True)
        .join(Schedule, col(Schedule.id) == col(Message.schedule_id), isouter=True)
        .where(col(Message.practice_id) == actor.practice_id,
               col(Message.client_id).in_(select(Client.id).where(client_visible(actor))),
               or_(col(Message.status).in_(("queued", "outbox", "held")),
                   and_(Message.status == "failed", col(Message.updated_at) > now - timedelta(days=RECENT_DAYS))))
        .order_by(col(Message.due_at), col(Message.id))).all()
    names = _Names(session, {m.client_id for m, _, _ in rows}, set())
    out: dict[str, list[QueueRowPublic]] = defaultdict(list)
    for message, administration, schedule in rows:
        kind = "reminder" if message.kind == "reminder" else "message"
        if message.status == "queued":
            category, why = "due", f"A {kind} waiting to be emailed"
        elif message.status == "outbox":
            category, why = "to_pass_on", f"A {kind} in your outbox: pass it on"
        elif message.status == "held":
            category = "held"
            why = f"A {kind} held: {HOLD_REASONS.get(message.held_reason or '', message.held_reason or 'held')}"
        else:
            category, why = "undeliverable", f"A {kind} couldn't be emailed ({message.last_error or 'refused'})"
        if administration is not None:
            title = _title(administration.instrument_id, administration.instrument_version)
        else:
            title = _title(schedule.instrument_id) if schedule is not None else ""
        out[category].append(QueueRowPublic(
            category=category, client_id=message.client_id, couple_id=message.couple_id,  # type: ignore[arg-type]
            name=names.of(message.client_id, None), title=title, why=why, at=message.due_at,
            administration_id=message.administration_id, schedule_id=message.schedule_id, message_id=message.id))
    return out


def _schedules_due(session: Session, actor: Counselor, now: datetime, zone: ZoneInfo) -> list[QueueRowPublic]:
    """Active schedules whose next send falls within DUE_DAYS: the schedules, then all their sessions."""
    schedules = list(session.exec(select(Schedule).where(schedule_visible(actor), Schedule.status == "active")
                                  .order_by(col(Schedule.id))).all())
    if not schedules:
        return []
    times = sending.times_for(session, schedules)
    names = _Names(session, {s.client_id for s in schedules if s.client_id is not None},
                   {s.couple_id for s in schedules if s.couple_id is not None})
    out = []
    for schedule in schedules:
        found = times.get(sending.subject_key(schedule), SessionTimes())
        due = plan.next_due(sending.rule_of(schedule), zone=zone, held=found.held, planned=found.planned, now=now)
        if due is None or due.at is None or due.at > now + timedelta(days=DUE_DAYS):
            continue
        out.append(QueueRowPublic(
            category="due", client_id=schedule.client_id, couple_id=schedule.couple_id,
            name=names.of(schedule.client_id, schedule.couple_id), title=_title(schedule.instrument_id),
            why=f"Due {when_words(due.at, zone, now)} ({rule_words(schedule)[:1].lower()}{rule_words(schedule)[1:]})",
            at=due.at, schedule_id=schedule.id))
    return sorted(out, key=lambda r: r.at or now)


def counselor_queue(session: Session, *, actor: Counselor, now: datetime | None = None) -> Queue:
    """Every category of the queue for the actor's caseload (see the module's docstring)."""
    now = now or utcnow()
    practice = session.get(Practice, actor.practice_id)
    assert practice is not None
    zone = sending.zone_of(practice)
    rows: dict[str, list[QueueRowPublic]] = {k: [] for k in CATEGORIES}
    rows["due"].extend(_schedules_due(session, actor, now, zone))
    for found in (_messages(session, actor, now), _links(session, actor, now, zone)):
        for category, listed in found.items():
            rows[category].extend(listed)
    return Queue(rows)
