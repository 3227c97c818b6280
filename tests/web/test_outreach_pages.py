"""The loop's pages: a schedule set up on the couple page, the outbox with 'I've passed it on',
held messages, the dashboard's queue, contact settings, practice settings, and the client's
'stop reminders' page (opening it changes nothing)."""

from __future__ import annotations

import re

from sqlmodel import select

from app.audit.models import AuditEvent
from app.clients.models import Client
from app.outreach.models import Message, Schedule
from app.practice.models import Practice
from app.questionnaires.administrations.links import quiet_token
from app.questionnaires.models import Administration
from tests.web.conftest import Browser

PAST_MONDAY = "2026-01-05"  # a dated rule from then has something due now: sent at once


def _fresh(db) -> None:
    """Read what the app committed: end the test's snapshot and forget what it had loaded."""
    db.rollback()
    db.expire_all()


def _setup(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me, names=("Maya", "Daniel"))
    return me, couple, Browser(client, me)


def _add(browser, couple, **fields):
    data = {"instrument_id": "trust-rebuilding", "rule": "every_weeks", "every": "2", "starts_on": PAST_MONDAY} | fields
    return browser.post(f"/couples/{couple.id}/schedules", data, follow_redirects=False)


def test_a_schedule_set_on_the_couple_page_reaches_the_outbox(client, factory, db):
    _, couple, browser = _setup(client, factory, db)
    page = browser.get(f"/couples/{couple.id}").text
    assert "Questionnaires on a schedule" in page and "Nothing on a schedule yet." in page
    assert 'name="instrument_id"' in page and 'name="starts_on"' in page
    added = _add(browser, couple)
    assert added.status_code == 303
    assert added.headers["location"] == f"/couples/{couple.id}?notice=schedule-added#schedules"
    page = browser.get(added.headers["location"]).text
    assert "Schedule added." in page and "Every 2 weeks from Mon 5 Jan 2026" in page and "last sent" in page
    outbox = browser.get("/outbox").text
    assert "Messages to pass on" in outbox and "For Maya Lee: first message" in outbox
    assert "For Daniel Lee: first message" in outbox and "Trust Rebuilding Inventory" in outbox
    links = re.findall(r'value="(http://testserver/q/[^"]+)"', outbox)
    assert len(links) == 2 and all(link in outbox for link in links)
    assert 'class="button copy-button" data-copy=' in outbox and "/static/copy.js" in outbox
    first = db.exec(select(Message).order_by(Message.id)).first()
    done = browser.post(f"/messages/{first.id}/passed-on", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/outbox?notice=message-passed-on"
    after = browser.get(done.headers["location"]).text
    assert "Marked as passed on." in after and "For Maya Lee" not in after and "For Daniel Lee" in after
    assert browser.post(f"/messages/{first.id}/passed-on", follow_redirects=False).status_code == 303  # again: same
    _fresh(db)
    assert db.get(Message, first.id).status == "sent"
    sends = db.exec(select(AuditEvent).where(AuditEvent.entity == "message", AuditEvent.action == "send")).all()
    assert len(sends) == 1


def test_a_wrong_schedule_form_shows_the_field_and_saves_nothing(client, factory, db):
    _, couple, browser = _setup(client, factory, db)
    response = _add(browser, couple, every="")
    assert response.status_code == 422
    assert 'id="every-error"' in response.text and "every how many weeks" in response.text
    response = _add(browser, couple, rule="before_session", days_before="20")
    assert response.status_code == 422 and 'id="days_before-error"' in response.text
    assert db.exec(select(Schedule)).all() == []


def test_pause_resume_change_and_stop_from_the_page(client, factory, db):
    _, couple, browser = _setup(client, factory, db)
    _add(browser, couple, starts_on="2030-01-07")
    schedule = db.exec(select(Schedule)).one()
    page = browser.get(f"/couples/{couple.id}").text
    assert "Mon 7 Jan 2030, 09:00" in page
    paused = browser.post(f"/schedules/{schedule.id}/pause", follow_redirects=False)
    assert paused.headers["location"] == f"/couples/{couple.id}?notice=schedule-paused#schedules"
    assert "Paused" in browser.get(paused.headers["location"]).text
    assert browser.post(f"/schedules/{schedule.id}/pause").status_code == 409
    browser.post(f"/schedules/{schedule.id}/resume")
    edit = browser.get(f"/schedules/{schedule.id}/edit").text
    assert "Change the Trust Rebuilding Inventory schedule" in edit and 'value="2030-01-07"' in edit
    saved = browser.post(f"/schedules/{schedule.id}/edit", {"rule": "every_sessions", "every": "3",
                                                             "starts_on": "2030-01-07"}, follow_redirects=False)
    assert saved.status_code == 303
    assert "After every 3 held sessions" in browser.get(f"/couples/{couple.id}").text
    bad = browser.post(f"/schedules/{schedule.id}/edit", {"rule": "every_sessions", "every": "25",
                                                           "starts_on": "2030-01-07"})
    assert bad.status_code == 422 and 'id="every-error"' in bad.text
    browser.post(f"/schedules/{schedule.id}/stop")
    _fresh(db)
    assert (db.get(Schedule, schedule.id).status, db.get(Schedule, schedule.id).ended_reason) == ("ended", "stopped")
    assert "Ended (stopped)" in browser.get(f"/couples/{couple.id}").text


def test_a_client_page_has_schedules_and_contact_settings(client, factory, db):
    me = factory.counselor()
    person = factory.client(me, email="alex@example.com", email_safe="yes", email_safe_source="intake")
    browser = Browser(client, me)
    page = browser.get(f"/clients/{person.id}").text
    assert "Questionnaires on a schedule" in page and "(from the intake)" in page
    form = browser.get(f"/clients/{person.id}/edit").text
    assert 'name="contact_preference"' in form and 'name="email_safe"' in form and "From the intake" in form
    base = {"first_name": "Alex", "last_name": "Rivera", "email": "alex@example.com", "contact_preference": "email",
            "email_safe": "yes"}
    browser.post(f"/clients/{person.id}/edit", base)  # saving other details keeps the intake's answer the intake's
    _fresh(db)
    assert db.get(Client, person.id).email_safe_source == "intake"
    browser.post(f"/clients/{person.id}/edit", base | {"email_safe": "no", "contact_preference": "counselor"})
    _fresh(db)
    saved = db.get(Client, person.id)
    assert (saved.email_safe, saved.email_safe_source, saved.contact_preference) == ("no", "counselor", "counselor")
    added = browser.post(f"/clients/{person.id}/schedules", {"instrument_id": "session-checkin", "rule": "once",
                                                             "starts_on": PAST_MONDAY}, follow_redirects=False)
    assert added.headers["location"] == f"/clients/{person.id}?notice=schedule-added#schedules"
    assert "For Alex Rivera: first message" in browser.get("/outbox").text
    browser.post(f"/clients/{person.id}/discharge", {})  # nothing more waits for a discharged client
    assert "For Alex Rivera" not in browser.get("/outbox").text


def test_held_messages_say_why_and_the_dashboard_counts_the_queue(client, factory, db):
    _, couple, browser = _setup(client, factory, db)
    _add(browser, couple)
    message = db.exec(select(Message).order_by(Message.id)).first()
    message.status, message.held_reason = "held", "email_unconfirmed"
    db.add(message)
    db.commit()
    outbox = browser.get("/outbox").text
    assert "held because no one has confirmed that email is safe for this client" in outbox
    assert f'action="/messages/{message.id}/release"' in outbox and "Hand it on in person" in outbox
    dashboard = browser.get("/dashboard").text
    assert "Your queue" in dashboard
    assert 'href="#queue-to_pass_on">To pass on: <strong>1</strong>' in dashboard
    assert 'href="#queue-held">Held: <strong>1</strong>' in dashboard and "Overdue: 0" in dashboard
    released = browser.post(f"/messages/{message.id}/release", follow_redirects=False)
    assert released.headers["location"] == "/outbox?notice=message-released"
    assert 'href="#queue-to_pass_on">To pass on: <strong>2</strong>' in browser.get("/dashboard").text


def test_the_practice_sets_its_mail_name_and_link_days(client, factory, db):
    owner = factory.owner()
    practice = db.get(Practice, owner.practice_id)
    practice.name = "Harbour Couples Counselling"
    db.add(practice)
    db.commit()
    browser = Browser(client, owner)
    page = browser.get("/settings").text
    assert "which contains “counsel”" in page and 'name="mail_name"' in page and 'name="link_days"' in page
    form = {"name": practice.name, "timezone": "Europe/London", "link_days": "7", "reminder_after_days": "2",
            "reminder_before_days": "1"}
    refused = browser.post("/settings", form | {"mail_name": "Harbour Therapy"})
    assert refused.status_code == 422 and 'id="mail_name-error"' in refused.text
    saved = browser.post("/settings", form | {"mail_name": "Harbour Lane", "link_days": "10",
                                              "reminder_after_days": ""}, follow_redirects=False)
    assert saved.status_code == 303
    _fresh(db)
    practice = db.get(Practice, owner.practice_id)
    assert (practice.mail_name, practice.link_days, practice.reminder_after_days) == ("Harbour Lane", 10, None)
    assert browser.post("/settings", form | {"link_days": "31"}).status_code == 422


def test_stop_reminders_opens_without_a_change_and_the_counselor_sees_it(client, factory, db):
    _, couple, browser = _setup(client, factory, db)
    _add(browser, couple)
    given = db.exec(select(Administration).order_by(Administration.id)).first()
    url = f"/q/quiet/{quiet_token(given)}"
    client.cookies.clear()  # the client, in another browser
    page = client.get(url)
    assert page.status_code == 200 and "Stop reminders" in page.text
    for hidden in ("Maya", "Daniel", "Lee", "Trust", "counsel", "Mend"):
        assert hidden not in page.text.replace("<title>Stop reminders</title>", ""), hidden
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    _fresh(db)
    assert db.get(Administration, given.id).reminders_stopped_at is None  # a mail scanner's GET changes nothing
    stopped = client.post(url, follow_redirects=False)
    assert stopped.status_code == 303 and stopped.headers["location"] == url
    assert "You won't get more reminders for this message." in client.get(url).text
    assert client.post(url, follow_redirects=True).status_code == 200  # twice is once
    _fresh(db)
    assert db.get(Administration, given.id).reminders_stopped_at is not None
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "stop_reminders")).all()
    assert len(events) == 1 and events[0].actor_kind == "client"
    assert client.get("/q/quiet/1.forged").status_code == 404
    browser = Browser(client, browser.counselor)
    assert "reminders stopped by the client" in browser.get(f"/couples/{couple.id}").text
    assert "The client stopped reminders for this link" in browser.get("/dashboard").text


def test_discharging_a_couple_ends_its_schedules_and_empties_its_outbox_at_once(client, factory, db):
    _, couple, browser = _setup(client, factory, db)
    _add(browser, couple)
    assert "For Maya Lee: first message" in browser.get("/outbox").text
    page = browser.get(f"/couples/{couple.id}").text
    assert f'action="/couples/{couple.id}/discharge"' in page
    done = browser.post(f"/couples/{couple.id}/discharge", {}, follow_redirects=False)
    assert done.headers["location"] == f"/couples/{couple.id}?notice=couple-discharged"
    db.expire_all()
    assert {s.status for s in db.exec(select(Schedule)).all()} == {"ended"}
    assert {m.status for m in db.exec(select(Message)).all()} == {"cancelled"}
    after = browser.get(f"/couples/{couple.id}?notice=couple-discharged").text
    assert "Couple discharged." in after and f'action="/couples/{couple.id}/discharge"' not in after
    assert "For Maya Lee" not in browser.get("/outbox").text
