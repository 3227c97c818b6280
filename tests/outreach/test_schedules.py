"""Schedules as the counselor handles them: set up (sent at once when due), checked, scoped,
paused and resumed without a backlog, changed, stopped, and ended by a discharge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.auth.models import Counselor
from app.errors import Conflict, InvalidField, NotFound
from app.outreach import schedules, sending
from app.outreach.models import Message, Schedule
from app.outreach.schemas import ScheduleCreate, ScheduleUpdate
from app.questionnaires.models import Administration, AdministrationFlag
from app.sessions.models import TherapySession

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 10:00 in UTC, the practice's zone: past the 09:00 send time


def _me(db, couple) -> Counselor:
    return db.get(Counselor, couple.counselor_id)


def _make(db, loop, now=MONDAY, **fields):
    data = ScheduleCreate(**({"instrument_id": "trust-rebuilding", "rule": "once"} | fields))
    made = schedules.create_schedule(db, actor=_me(db, loop.couple), data=data, couple_id=loop.couple.id, now=now)
    db.commit()
    return made


def _messages(db, schedule_id: int) -> list[Message]:
    db.expire_all()
    return list(db.exec(select(Message).where(Message.schedule_id == schedule_id).order_by(Message.id)).all())


def test_a_once_schedule_due_today_reaches_the_outbox_at_once(db, loop_couple):
    made = _make(db, loop_couple)
    assert made.starts_on == date(2026, 3, 2)  # today in the practice's zone
    sent = _messages(db, made.id)
    assert [(m.client_id, m.status, m.kind) for m in sent] == [
        (loop_couple.a.id, "outbox", "invitation"), (loop_couple.b.id, "outbox", "invitation")]
    given = db.exec(select(Administration).where(Administration.schedule_id == made.id)).all()
    assert {a.client_id for a in given} == {loop_couple.a.id, loop_couple.b.id}
    assert all(a.expires_at == MONDAY + timedelta(days=7) for a in given)  # the practice's link_days
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.entity == "schedule")).all()
    assert actions == ["create"]


def test_a_schedule_due_later_sends_nothing_yet_and_says_when(db, loop_couple):
    made = _make(db, loop_couple, rule="every_weeks", every=3, starts_on=date(2026, 3, 9), link_days=5)
    assert _messages(db, made.id) == []
    shown = schedules.schedule_public(db, made, now=MONDAY)
    assert shown.next_due_text == "Mon 9 Mar, 09:00"
    assert shown.rule_text == "Every 3 weeks from Mon 9 Mar 2026"
    assert shown.link_days == 5


@pytest.mark.parametrize(("fields", "field"), [
    ({"instrument_id": "no-such-thing"}, "instrument_id"),
    ({"rule": "every_weeks"}, "every"),
    ({"rule": "every_sessions", "every": 21}, "every"),
    ({"rule": "before_session"}, "days_before"),
    ({"rule": "every_weeks", "every": 2, "starts_on": date(2026, 3, 9), "ends_on": date(2026, 3, 8)}, "ends_on"),
    ({"instrument_id": "couples-intake", "rule": "every_weeks", "every": 2}, "rule"),
])
def test_bad_rules_name_their_field_and_write_nothing(db, loop_couple, fields, field):
    with pytest.raises(InvalidField) as problem:
        _make(db, loop_couple, **fields)
    assert problem.value.field == field
    db.rollback()
    assert db.exec(select(Schedule)).all() == []


def test_another_caseload_is_not_found(db, factory, loop_couple):
    stranger = factory.counselor()
    data = ScheduleCreate(instrument_id="trust-rebuilding", rule="once")
    with pytest.raises(NotFound):
        schedules.create_schedule(db, actor=stranger, data=data, couple_id=loop_couple.couple.id, now=MONDAY)
    db.rollback()
    made = _make(db, loop_couple)
    for change in (schedules.pause_schedule, schedules.stop_schedule):
        with pytest.raises(NotFound):
            change(db, actor=stranger, schedule_id=made.id)


def test_a_discharged_couple_gets_no_new_schedule(db, loop_couple):
    loop_couple.couple.status = "discharged"
    db.add(loop_couple.couple)
    db.commit()
    with pytest.raises(Conflict):
        _make(db, loop_couple)


def test_a_resume_sends_no_backlog(db, loop_couple):
    made = _make(db, loop_couple, rule="every_weeks", every=1)
    assert len(_messages(db, made.id)) == 2  # the first Monday's, at once
    me = _me(db, loop_couple.couple)
    schedules.pause_schedule(db, actor=me, schedule_id=made.id, now=MONDAY + timedelta(hours=1))
    db.commit()
    with pytest.raises(Conflict):
        schedules.pause_schedule(db, actor=me, schedule_id=made.id)
    assert schedules.schedule_public(db, made, now=MONDAY).next_due_text == "Paused"
    # Paused over two Mondays; the sweep sends nothing meanwhile.
    sending.sweep(db, now=MONDAY + timedelta(days=7))
    db.commit()
    assert len(_messages(db, made.id)) == 2
    schedules.resume_schedule(db, actor=me, schedule_id=made.id, now=MONDAY + timedelta(days=14, hours=2))
    db.commit()
    assert len(_messages(db, made.id)) == 2  # that morning's send fell due during the pause
    sending.sweep(db, now=MONDAY + timedelta(days=21))
    db.commit()
    assert [m.key.split(":")[1] for m in _messages(db, made.id)][-2:] == ["w3", "w3"]


def test_a_change_is_checked_and_an_ended_schedule_cannot_change(db, loop_couple):
    made = _make(db, loop_couple, rule="every_weeks", every=2, starts_on=date(2026, 3, 9))
    me = _me(db, loop_couple.couple)
    changed = schedules.update_schedule(db, actor=me, schedule_id=made.id, now=MONDAY,
                                        data=ScheduleUpdate(rule="every_sessions", every=3))
    assert (changed.rule, changed.every) == ("every_sessions", 3)
    with pytest.raises(InvalidField) as problem:
        schedules.update_schedule(db, actor=me, schedule_id=made.id, now=MONDAY,
                                  data=ScheduleUpdate(rule="before_session"))
    assert problem.value.field == "days_before"
    db.rollback()
    schedules.stop_schedule(db, actor=me, schedule_id=made.id, now=MONDAY)
    db.commit()
    with pytest.raises(Conflict):
        schedules.update_schedule(db, actor=me, schedule_id=made.id, data=ScheduleUpdate(every=2))
    with pytest.raises(Conflict):
        schedules.stop_schedule(db, actor=me, schedule_id=made.id)


def _flag(db, loop, client_id):
    given = db.exec(select(Administration)).first()
    db.add(AdministrationFlag(practice_id=loop.couple.practice_id, administration_id=given.id, client_id=client_id,
                              couple_id=loop.couple.id, item_id="x", severity="high", message="Fear"))
    db.commit()


def test_stop_cancels_what_has_not_gone_out(db, loop_couple):
    _make(db, loop_couple)  # an administration to hang a flag on
    _flag(db, loop_couple, loop_couple.a.id)
    made = _make(db, loop_couple, instrument_id="session-checkin")
    held = {m.client_id: m.status for m in _messages(db, made.id)}
    assert held == {loop_couple.a.id: "held", loop_couple.b.id: "outbox"}
    stopped = schedules.stop_schedule(db, actor=_me(db, loop_couple.couple), schedule_id=made.id, now=MONDAY)
    db.commit()
    assert (stopped.status, stopped.ended_reason) == ("ended", "stopped")
    assert {m.client_id: m.status for m in _messages(db, made.id)} == {
        loop_couple.a.id: "cancelled", loop_couple.b.id: "outbox"}  # the one handed over stays


def test_discharge_ends_schedules_and_cancels_held_messages(db, loop_couple):
    _make(db, loop_couple)
    _flag(db, loop_couple, loop_couple.b.id)
    made = _make(db, loop_couple, rule="every_weeks", every=2, instrument_id="session-checkin")
    assert {m.client_id: m.status for m in _messages(db, made.id)}[loop_couple.b.id] == "held"
    loop_couple.couple.status = "discharged"
    db.add(loop_couple.couple)
    db.commit()
    sending.sweep(db, now=MONDAY + timedelta(hours=1))
    db.commit()
    db.expire_all()
    ended = db.get(Schedule, made.id)
    assert (ended.status, ended.ended_reason) == ("ended", "discharged")
    assert {m.client_id: m.status for m in _messages(db, made.id)}[loop_couple.b.id] == "cancelled"
    assert schedules.schedule_public(db, ended, now=MONDAY).next_due_text == "Ended (discharged)"


def test_the_next_due_in_words_for_each_rule(db, loop_couple):
    couple = loop_couple.couple
    db.add(TherapySession(practice_id=couple.practice_id, counselor_id=couple.counselor_id, couple_id=couple.id,
                          starts_at=MONDAY + timedelta(hours=2), attendance="held", status="draft",
                          attendee_ids=[couple.partner_a_id, couple.partner_b_id]))
    db.commit()
    _make(db, loop_couple, rule="every_sessions", every=3)
    _make(db, loop_couple, rule="before_session", days_before=2)
    _make(db, loop_couple, rule="every_weeks", every=1, ends_on=date(2026, 3, 5))
    shown = schedules.list_schedules(db, subject=_subject(db, loop_couple), now=MONDAY + timedelta(hours=3))
    assert [(s.rule, s.next_due_text) for s in shown] == [
        ("every_sessions", "After 2 more held sessions"),
        ("before_session", "When a session is planned"),
        ("every_weeks", "Nothing more to send"),
    ]
    assert shown[1].rule_text == "2 days before each planned session from Mon 2 Mar 2026"


def _subject(db, loop):
    from app.clients.subjects import load_subject

    return load_subject(db, actor=_me(db, loop.couple), couple_id=loop.couple.id)


def test_a_schedule_that_starts_months_ahead_names_its_first_date_and_a_sent_once_says_sent(db, loop_couple):
    later = _make(db, loop_couple, rule="every_weeks", every=2, starts_on=date(2026, 9, 7))
    assert schedules.schedule_public(db, later, now=MONDAY).next_due_text == "Mon 7 Sep, 09:00"
    once = _make(db, loop_couple)
    assert schedules.schedule_public(db, once, now=MONDAY).next_due_text == "Sent"
