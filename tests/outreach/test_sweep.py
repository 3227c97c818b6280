"""The sweep with an injected clock: what a schedule makes, when reminders come, what waits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from app.db import get_engine
from app.outreach.models import Message
from app.outreach.sending import SweepResult, sweep
from app.questionnaires.models import Administration, AdministrationFlag
from app.sessions.models import TherapySession
from tests.outreach.conftest import add_schedule

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the test practice keeps UTC


def run(now: datetime) -> SweepResult:
    with Session(get_engine()) as session:
        result = sweep(session, now=now)
        session.commit()
    return result


def messages(db, **where) -> list[Message]:
    db.rollback()
    db.expire_all()  # rows the sweep changed, not the copies this session read before
    query = select(Message).order_by(Message.id)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return list(db.exec(query).all())


def mark_sent(db, at: datetime) -> None:
    for message in messages(db, status="queued"):
        message.status, message.sent_at = "sent", at
        db.add(message)
    db.commit()


def test_a_schedule_gives_each_partner_one_link_once_however_often_the_sweep_runs(db, loop_couple, email_on):
    add_schedule(db, loop_couple.couple, rule="every_weeks", every=2)
    first = run(MONDAY_9)
    again = run(MONDAY_9 + timedelta(minutes=1))
    assert (first.invitations, again.invitations) == (2, 0)
    made = messages(db)
    assert {m.client_id for m in made} == {loop_couple.a.id, loop_couple.b.id}
    assert {m.status for m in made} == {"queued"} and {m.channel for m in made} == {"email"}
    assert sorted(first.to_deliver) == [m.id for m in made]
    given = db.exec(select(Administration)).all()
    assert len(given) == 2 and {a.couple_id for a in given} == {loop_couple.couple.id}
    # The practice's default link: 7 days.
    assert {a.expires_at for a in given} == {MONDAY_9 + timedelta(days=7)}


def test_reminders_after_two_days_and_a_day_before_expiry_stop_once_sent_back(db, loop_couple, email_on):
    add_schedule(db, loop_couple.couple)
    run(MONDAY_9)
    mark_sent(db, MONDAY_9)
    a_link = db.exec(select(Administration).where(Administration.client_id == loop_couple.a.id)).one()
    a_link.status, a_link.submitted_at = "submitted", MONDAY_9 + timedelta(days=1)
    db.add(a_link)
    db.commit()
    assert run(MONDAY_9 + timedelta(days=2) - timedelta(minutes=1)).reminders == 0
    assert run(MONDAY_9 + timedelta(days=2)).reminders == 1  # Wednesday 09:00, only the partner not done
    mark_sent(db, MONDAY_9 + timedelta(days=2))
    assert run(MONDAY_9 + timedelta(days=6)).reminders == 1  # Sunday 09:00, a day before expiry
    assert run(MONDAY_9 + timedelta(days=6, hours=1)).reminders == 0
    reminders = messages(db, kind="reminder")
    assert [(m.client_id, m.key.split(":")[1]) for m in reminders] == [(loop_couple.b.id, "after"),
                                                                       (loop_couple.b.id, "before")]


def test_a_submit_cancels_a_reminder_not_yet_sent(db, loop_couple, email_on):
    add_schedule(db, loop_couple.couple)
    run(MONDAY_9)
    mark_sent(db, MONDAY_9)
    run(MONDAY_9 + timedelta(days=2))
    waiting = messages(db, kind="reminder", status="queued")
    assert len(waiting) == 2
    for link in db.exec(select(Administration)).all():
        link.status, link.submitted_at = "submitted", MONDAY_9 + timedelta(days=2, hours=1)
        db.add(link)
    db.commit()
    assert run(MONDAY_9 + timedelta(days=2, hours=2)).cancelled == 2
    assert {m.status for m in messages(db, kind="reminder")} == {"cancelled"}


def test_every_two_held_sessions(db, factory, loop_couple, email_on):
    add_schedule(db, loop_couple.couple, rule="every_sessions", every=2, starts_on=date(2026, 3, 1))
    for day in (3, 10):
        db.add(TherapySession(practice_id=loop_couple.couple.practice_id, counselor_id=loop_couple.couple.counselor_id,
                              couple_id=loop_couple.couple.id, starts_at=datetime(2026, 3, day, 17, tzinfo=UTC),
                              attendance="held"))
    db.commit()
    assert run(datetime(2026, 3, 9, tzinfo=UTC)).invitations == 0  # one session held so far
    assert run(datetime(2026, 3, 10, 18, tzinfo=UTC)).invitations == 2


def test_before_each_planned_session(db, loop_couple, email_on):
    add_schedule(db, loop_couple.couple, rule="before_session", days_before=2, starts_on=date(2026, 3, 1))
    planned = TherapySession(practice_id=loop_couple.couple.practice_id, counselor_id=loop_couple.couple.counselor_id,
                             couple_id=loop_couple.couple.id, starts_at=datetime(2026, 3, 12, 18, tzinfo=UTC),
                             attendance="planned")
    db.add(planned)
    db.commit()
    assert run(datetime(2026, 3, 10, 17, tzinfo=UTC)).invitations == 0
    assert run(datetime(2026, 3, 10, 18, tzinfo=UTC)).invitations == 2
    assert {m.key.split(":")[1] for m in messages(db)} == {f"p{planned.id}"}


def test_a_paused_schedule_sends_nothing_and_resuming_sends_no_backlog(db, loop_couple, email_on):
    schedule = add_schedule(db, loop_couple.couple, rule="every_weeks", every=1)
    schedule.status = "paused"
    db.add(schedule)
    db.commit()
    assert run(MONDAY_9).invitations == 0
    schedule.status, schedule.skip_before = "active", MONDAY_9 + timedelta(days=3)
    db.add(schedule)
    db.commit()
    assert run(MONDAY_9 + timedelta(days=3)).invitations == 0  # Monday's date passed during the pause
    assert run(MONDAY_9 + timedelta(days=7)).invitations == 2


def test_discharge_ends_the_schedule_and_cancels_what_waits(db, loop_couple, email_on):
    schedule = add_schedule(db, loop_couple.couple, rule="every_weeks", every=2)
    loop_couple.a.email_safe, loop_couple.a.email_safe_source = "unknown", None
    db.add(loop_couple.a)
    db.commit()
    run(MONDAY_9)
    assert [m.status for m in messages(db, client_id=loop_couple.a.id)] == ["held"]
    loop_couple.couple.status = "discharged"
    db.add(loop_couple.couple)
    db.commit()
    result = run(MONDAY_9 + timedelta(hours=1))
    db.refresh(schedule)
    assert (schedule.status, schedule.ended_reason, result.ended) == ("ended", "discharged", 1)
    assert [m.status for m in messages(db, client_id=loop_couple.a.id)] == ["cancelled"]


def test_an_open_high_flag_holds_the_send_until_it_is_dealt_with(db, loop_couple, email_on):
    flag = AdministrationFlag(practice_id=loop_couple.couple.practice_id, administration_id=_any_admin(db, loop_couple),
                              client_id=loop_couple.a.id, item_id="safety_afraid", severity="high", message="Afraid")
    db.add(flag)
    db.commit()
    add_schedule(db, loop_couple.couple)
    run(MONDAY_9)
    held = messages(db, client_id=loop_couple.a.id)
    assert [(m.status, m.held_reason, m.administration_id) for m in held] == [("held", "safety_flag", None)]
    assert [m.status for m in messages(db, client_id=loop_couple.b.id)] == ["queued"]
    assert run(MONDAY_9 + timedelta(hours=1)).released == 0
    db.rollback()  # end this session's read snapshot before writing after the sweep's commit
    flag.resolved_at = MONDAY_9 + timedelta(hours=2)
    db.add(flag)
    db.commit()
    result = run(MONDAY_9 + timedelta(hours=3))
    released = messages(db, client_id=loop_couple.a.id)[0]
    assert result.released == 1 and released.status == "queued" and released.administration_id is not None


def test_email_waits_until_someone_says_it_is_safe_and_the_intake_can_say_no(db, loop_couple, email_on):
    loop_couple.a.email_safe, loop_couple.a.email_safe_source = "unknown", None
    loop_couple.b.email_safe, loop_couple.b.email_safe_source = "unknown", None
    db.add_all([loop_couple.a, loop_couple.b])
    db.commit()
    _intake_answers(db, loop_couple.a.id, {"safety_ok_to_contact": True})
    _intake_answers(db, loop_couple.b.id, {"safety_ok_to_contact": True, "safety_control_phone": True})
    add_schedule(db, loop_couple.couple)
    run(MONDAY_9)
    assert [m.status for m in messages(db, client_id=loop_couple.a.id)] == ["queued"]
    assert [(m.status, m.held_reason) for m in messages(db, client_id=loop_couple.b.id)] == [("held", "email_unsafe")]
    db.refresh(loop_couple.b)
    assert (loop_couple.b.email_safe, loop_couple.b.email_safe_source) == ("no", "intake")


def test_without_a_mail_server_messages_wait_in_the_outbox(db, loop_couple):
    add_schedule(db, loop_couple.couple)
    result = run(MONDAY_9)
    assert result.to_deliver == []
    assert {(m.channel, m.status) for m in messages(db)} == {("outbox", "outbox")}


def _any_admin(db, loop_couple) -> int:
    return _intake_answers(db, loop_couple.a.id, {})


def _intake_answers(db, client_id: int, answers: dict) -> int:
    from app.instruments.catalog import default_catalog
    from app.questionnaires.models import Response

    definition = default_catalog().latest("couples-intake")
    client = db.get(__import__("app.clients.models", fromlist=["Client"]).Client, client_id)
    given = Administration(practice_id=client.practice_id, client_id=client_id, counselor_id=client.counselor_id,
                           instrument_id=definition.id, instrument_version=definition.version,
                           definition_checksum=definition.checksum, mode="in_session", status="submitted",
                           submitted_at=MONDAY_9 - timedelta(days=30))
    db.add(given)
    db.commit()
    db.add_all([Response(practice_id=client.practice_id, administration_id=given.id, item_id=item, value=value)
                for item, value in answers.items()])
    db.commit()
    return given.id


def test_the_demo_starts_with_schedules_running_and_messages_in_the_outbox(db):
    from app.demo import ensure_demo

    with Session(get_engine()) as session:
        ensure_demo(session)
        session.commit()
    waiting = messages(db)
    assert len([m for m in waiting if m.status == "outbox"]) >= 6
    assert all(m.channel == "outbox" for m in waiting)  # no mail server in the demo
    assert {m.status for m in waiting} <= {"outbox", "held"}


def test_a_revoked_link_cancels_its_reminder_and_a_stopped_one_gets_none(db, loop_couple, email_on):
    add_schedule(db, loop_couple.couple)
    run(MONDAY_9)
    mark_sent(db, MONDAY_9)
    links = {a.client_id: a for a in db.exec(select(Administration)).all()}
    links[loop_couple.b.id].reminders_stopped_at = MONDAY_9 + timedelta(hours=5)
    db.add(links[loop_couple.b.id])
    db.commit()
    assert run(MONDAY_9 + timedelta(days=2)).reminders == 1  # partner A only: B asked for none
    links[loop_couple.a.id].status = "revoked"
    db.add(links[loop_couple.a.id])
    db.commit()
    assert run(MONDAY_9 + timedelta(days=2, hours=1)).cancelled == 1
    assert [(m.client_id, m.status) for m in messages(db, kind="reminder")] == [(loop_couple.a.id, "cancelled")]


def test_an_outbox_message_is_reminded_of_only_after_it_was_passed_on(db, loop_couple):
    add_schedule(db, loop_couple.couple)
    run(MONDAY_9)
    assert run(MONDAY_9 + timedelta(days=3)).reminders == 0  # never passed on: nothing to remind of
    first = messages(db, client_id=loop_couple.a.id)[0]
    first.status, first.sent_at = "sent", MONDAY_9 + timedelta(days=3)  # what "I've passed it on" does
    db.add(first)
    db.commit()
    assert run(MONDAY_9 + timedelta(days=4)).reminders == 0
    assert run(MONDAY_9 + timedelta(days=5)).reminders == 1  # two days after it was passed on
    assert [m.client_id for m in messages(db, kind="reminder")] == [loop_couple.a.id]


def test_a_discharged_partner_gets_nothing_more(db, loop_couple, email_on):
    add_schedule(db, loop_couple.couple, rule="every_weeks", every=1)
    run(MONDAY_9)
    mark_sent(db, MONDAY_9)
    loop_couple.b.status = "discharged"
    db.add(loop_couple.b)
    db.commit()
    assert run(MONDAY_9 + timedelta(days=2)).reminders == 1  # partner A only
    assert run(MONDAY_9 + timedelta(days=7)).invitations == 1
    assert {m.client_id for m in messages(db) if m.status != "sent"} == {loop_couple.a.id}


def test_nobody_holds_two_working_links_to_the_same_questionnaire(db, loop_couple, email_on):
    add_schedule(db, loop_couple.couple, rule="every_weeks", every=1)
    add_schedule(db, loop_couple.couple, rule="once")
    assert run(MONDAY_9).invitations == 2  # the first schedule's; the second waits
    # A week later the first links have expired (7 days): the weekly one sends again, once each.
    assert run(MONDAY_9 + timedelta(days=7)).invitations == 2
    open_links = [a for a in db.exec(select(Administration)).all() if a.expires_at > MONDAY_9 + timedelta(days=7)]
    assert sorted(a.client_id for a in open_links) == sorted([loop_couple.a.id, loop_couple.b.id])


def test_a_cancelled_session_withdraws_its_check_in_link(db, loop_couple):
    add_schedule(db, loop_couple.couple, rule="before_session", days_before=1, starts_on=date(2026, 3, 1),
                 instrument_id="session-checkin")
    planned = TherapySession(practice_id=loop_couple.couple.practice_id, counselor_id=loop_couple.couple.counselor_id,
                             couple_id=loop_couple.couple.id, starts_at=datetime(2026, 3, 12, 18, tzinfo=UTC),
                             attendance="planned")
    db.add(planned)
    db.commit()
    assert run(datetime(2026, 3, 11, 18, tzinfo=UTC)).invitations == 2
    planned.attendance = "cancelled"
    db.add(planned)
    db.commit()
    assert run(datetime(2026, 3, 11, 19, tzinfo=UTC)).cancelled == 2
    db.expire_all()
    assert {a.status for a in db.exec(select(Administration)).all()} == {"revoked"}


def test_a_once_only_schedule_ends_when_everyone_has_their_link(db, loop_couple, email_on):
    schedule = add_schedule(db, loop_couple.couple)
    run(MONDAY_9)
    db.refresh(schedule)
    assert (schedule.status, schedule.ended_reason) == ("ended", "sent")
    assert len(messages(db)) == 2


def test_a_name_that_says_counselling_never_reaches_a_subject():
    from app.practice.mail_name import NEUTRAL_SENDER, sender_name

    assert sender_name("Harbour Lane Counselling (demo)", None) == "Harbour Lane (demo)"
    assert sender_name("Couples Therapy", None) == NEUTRAL_SENDER
    assert sender_name("Harbour Lane Counselling", "Harbour Lane") == "Harbour Lane"
