"""Messages delivered to a real SMTP server: safe wording, a link that opens the form, no doubles."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from app.config import get_settings
from app.db import get_engine, utcnow
from app.outreach.delivery import deliver
from app.outreach.models import Message
from app.outreach.sending import sweep
from app.outreach.wording import CLINICAL_WORDS
from tests.outreach.conftest import add_schedule
from tests.questionnaires.helpers import calm_answers, fill_in_link, open_form, trust


def swept(now=None) -> list[int]:
    with Session(get_engine()) as session:
        result = sweep(session, now=now)
        session.commit()
    return result.to_deliver


def link_in(body: str) -> str:
    found = re.search(r"http://testserver/q/[A-Za-z0-9_-]{43}", body)
    assert found, body
    return found.group(0)


def test_the_message_names_only_the_practice_and_its_link_opens_the_form(db, loop_couple, mail_server, client):
    add_schedule(db, loop_couple.couple, starts_on=utcnow().date())
    ids = swept()
    assert [deliver(i).status for i in ids] == ["sent", "sent"]
    assert sorted(m.to[0] for m in mail_server.received) == ["jamie@example.test", "robin@example.test"]
    for mail in mail_server.received:
        body = mail.body
        preview, signature = body.splitlines()[0], body.strip().splitlines()[-1]
        for text in (mail.subject, preview, signature):
            assert not [w for w in CLINICAL_WORDS if w in text.casefold()], text
        assert mail.subject.startswith("A message from Test Practice")
        assert "(7 days left)" in body
        assert "Trust" not in body and "questionnaire" not in body.casefold()
    page = open_form(client, link_in(mail_server.received[0].body))
    assert page.status_code == 200 and 'name="_csrf"' in page.text


def test_delivering_twice_sends_once(db, loop_couple, mail_server):
    add_schedule(db, loop_couple.couple, starts_on=utcnow().date())
    ids = swept()
    outcomes = [deliver(i).status for i in ids + ids]
    assert outcomes == ["sent", "sent", "skipped", "skipped"]
    assert len(mail_server.received) == 2
    assert mail_server.duplicates() == {}


def test_a_client_marked_unsafe_or_with_an_open_high_flag_gets_nothing(db, loop_couple, mail_server):
    from app.questionnaires.models import AdministrationFlag

    loop_couple.a.email_safe = "no"
    db.add(loop_couple.a)
    given = _some_admin(db, loop_couple)
    db.add(AdministrationFlag(practice_id=loop_couple.couple.practice_id, administration_id=given,
                              client_id=loop_couple.b.id, item_id="safety_afraid", severity="high",
                              message="Afraid of partner"))
    db.commit()
    add_schedule(db, loop_couple.couple, starts_on=utcnow().date())
    assert swept() == []
    db.expire_all()
    held = db.exec(select(Message.held_reason).order_by(Message.client_id)).all()
    assert held == ["email_unsafe", "safety_flag"]
    assert mail_server.received == []


def test_a_flag_raised_after_queueing_stops_the_send(db, loop_couple, mail_server):
    from app.questionnaires.models import AdministrationFlag

    add_schedule(db, loop_couple.couple, starts_on=utcnow().date())
    ids = swept()
    given = _some_admin(db, loop_couple)
    db.add(AdministrationFlag(practice_id=loop_couple.couple.practice_id, administration_id=given,
                              client_id=loop_couple.a.id, item_id="safety_afraid", severity="high", message="Afraid"))
    db.commit()
    assert sorted(deliver(i).status for i in ids) == ["held", "sent"]
    assert [m.to[0] for m in mail_server.received] == ["robin@example.test"]


def test_a_mail_server_that_is_down_is_tried_again_with_backoff(db, loop_couple, email_on, monkeypatch):
    from tests.live_server import free_port

    monkeypatch.setattr(get_settings(), "smtp_port", free_port())  # nothing listens there
    add_schedule(db, loop_couple.couple, starts_on=utcnow().date())
    first, _ = swept()
    outcome = deliver(first)
    assert (outcome.status, outcome.retry_in) == ("retry", 30)
    db.expire_all()
    message = db.get(Message, first)
    assert message.status == "queued" and message.attempts == 1 and "unreachable" in message.last_error
    assert deliver(first).status == "skipped"  # not due again for 30 s
    later = message.next_attempt_at + timedelta(seconds=1)
    second = deliver(first, now=later)
    assert (second.status, second.retry_in) == ("retry", 60)


def test_a_reminder_states_the_time_left_and_a_submit_stops_it(db, loop_couple, mail_server, client):
    add_schedule(db, loop_couple.couple, starts_on=utcnow().date())
    for i in swept():
        deliver(i)
    fill_in_link(client, link_in(mail_server.received[0].body), calm_answers(trust(), 4))
    later = utcnow() + timedelta(days=2, minutes=1)
    reminders = swept(later)
    assert len(reminders) == 1
    assert deliver(reminders[0], now=later).status == "sent"
    reminder = mail_server.received[-1]
    assert reminder.subject.startswith("Reminder: a message from")
    assert "(5 days left)" in reminder.body  # 4 days 23 hours 59 minutes, in whole days rounded up
    assert "/q/quiet/" in reminder.body
    assert link_in(reminder.body) == link_in(mail_server.received[1].body)


def _some_admin(db, loop_couple) -> int:
    from tests.outreach.test_sweep import _intake_answers

    return _intake_answers(db, loop_couple.a.id, {})


def test_a_reminder_queued_before_the_client_stopped_reminders_is_not_sent(db, loop_couple, mail_server):
    from app.questionnaires.models import Administration

    add_schedule(db, loop_couple.couple, starts_on=utcnow().date())
    for i in swept():
        deliver(i)
    later = utcnow() + timedelta(days=2, minutes=1)
    reminders = swept(later)
    assert len(reminders) == 2
    db.expire_all()
    stopped = db.get(Administration, db.get(Message, reminders[0]).administration_id)
    stopped.reminders_stopped_at = utcnow()
    db.add(stopped)
    db.commit()
    assert [deliver(i, now=later).status for i in reminders] == ["cancelled", "sent"]
    assert len(mail_server.received) == 3
