"""Planned sessions on the pages: plan one, mark it held (then the note), cancelled or a no-show;
the couple page and the dashboard show what is planned."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.practice.models import Practice
from app.sessions.models import TherapySession
from tests.web.conftest import Browser


def _in(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def _new_york(db, counselor) -> None:
    practice = db.get(Practice, counselor.practice_id)
    practice.timezone = "America/New_York"
    db.add(practice)
    db.commit()


def test_plan_a_session_from_the_couple_page(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    page = browser.get(f"/couples/{couple.id}").text
    assert "No session planned." in page and f'href="/couples/{couple.id}/sessions/plan"' in page
    form = browser.get(f"/couples/{couple.id}/sessions/plan").text
    assert 'type="datetime-local"' in form and 'name="modality"' in form and "note_data" not in form
    when = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT10:15")
    made = browser.post(f"/couples/{couple.id}/sessions/plan",
                        {"starts_at": when, "duration_minutes": "80", "modality": "phone"})
    assert made.status_code == 200 and "Session planned." in made.text
    therapy = db.exec(select(TherapySession)).one()
    assert (therapy.attendance, therapy.duration_minutes, therapy.modality) == ("planned", 80, "phone")
    assert therapy.attendee_ids == sorted([couple.partner_a_id, couple.partner_b_id])
    for button in ("Mark held", "Cancelled", "No-show"):
        assert f">{button}</button>" in made.text, button
    assert 'id="note-form"' not in made.text and "Save and sign" not in made.text
    bad = browser.post(f"/couples/{couple.id}/sessions/plan", {"starts_at": "", "duration_minutes": "1",
                                                               "modality": "phone"})
    assert bad.status_code == 422 and 'id="starts_at-error"' in bad.text and 'id="duration_minutes-error"' in bad.text


def test_the_record_form_sends_a_future_session_to_planning(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    form = browser.get(f"/couples/{couple.id}/sessions/new").text
    assert f'href="/couples/{couple.id}/sessions/plan"' in form
    when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = browser.post(f"/couples/{couple.id}/sessions/new", {
        "starts_at": when, "duration_minutes": "50", "modality": "video",
        "attendee_ids": [str(couple.partner_a_id)], "note_data": "Typed ahead"})
    assert r.status_code == 422 and 'id="starts_at-error"' in r.text and "plan the session instead" in r.text
    assert "Typed ahead" in r.text
    db.rollback()
    assert db.exec(select(TherapySession)).all() == []


def test_mark_held_then_write_and_sign_the_note(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    agreement = factory.agreement(couple, title="Open phone")
    therapy = factory.planned_session(couple, _in(minutes=-30))
    browser = Browser(client, me)
    page = browser.get(f"/sessions/{therapy.id}").text
    assert "Did it take place?" in page and "Open phone" not in page  # check-ins come once it is held
    refused = browser.post(f"/sessions/{therapy.id}/checkins", {f"outcome_{agreement.id}": "kept"})
    assert refused.status_code == 409
    none_ticked = browser.post(f"/sessions/{therapy.id}/attendance", {"attendance": "held"})
    assert none_ticked.status_code == 422 and 'id="attendee_ids-error"' in none_ticked.text
    held = browser.post(f"/sessions/{therapy.id}/attendance",
                        {"attendance": "held", "attendee_ids": [str(couple.partner_b_id)]})
    assert held.status_code == 200 and "Marked held. Write the note below." in held.text
    assert 'id="note-form"' in held.text and "Save and sign" in held.text and "Open phone" in held.text
    db.expire_all()
    row = db.get(TherapySession, therapy.id)
    assert (row.attendance, row.attendee_ids) == ("held", [couple.partner_b_id])
    signed = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Only Robin came.", "action": "sign",
                                                           "confirm": "yes"})
    assert "Note signed." in signed.text
    again = browser.post(f"/sessions/{therapy.id}/attendance", {"attendance": "cancelled"})
    assert again.status_code == 409


def test_held_before_its_time_is_refused(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.planned_session(couple, _in(hours=3))
    browser = Browser(client, me)
    r = browser.post(f"/sessions/{therapy.id}/attendance",
                     {"attendance": "held", "attendee_ids": [str(couple.partner_a_id)]})
    assert r.status_code == 422 and "hasn&#39;t started yet" in r.text and 'id="attendance-error"' in r.text
    odd = browser.post(f"/sessions/{therapy.id}/attendance", {"attendance": "planned"})
    assert odd.status_code == 422
    db.expire_all()
    assert db.get(TherapySession, therapy.id).attendance == "planned"


def test_cancelled_and_no_show_are_never_signed(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    ahead, missed = factory.planned_session(couple, _in(days=2)), factory.planned_session(couple, _in(days=-1))
    browser = Browser(client, me)
    cancelled = browser.post(f"/sessions/{ahead.id}/attendance", {"attendance": "cancelled"})
    assert "Marked cancelled." in cancelled.text
    assert "Save and sign" not in cancelled.text and "never signed" in cancelled.text
    no_show = browser.post(f"/sessions/{missed.id}/attendance", {"attendance": "no_show"})
    assert "Marked as a no-show." in no_show.text and ">Mark held</button>" in no_show.text
    sign = browser.post(f"/sessions/{missed.id}/note", {"note_data": "Left a message.", "action": "sign",
                                                        "confirm": "yes"})
    assert sign.status_code == 409
    listed = browser.get("/sessions").text
    assert ">Cancelled</span>" in listed and ">No-show</span>" in listed
    db.expire_all()
    assert [db.get(TherapySession, t.id).attendance for t in (ahead, missed)] == ["cancelled", "no_show"]


def test_a_planned_session_has_no_note_form(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.planned_session(couple, _in(days=1))
    browser = Browser(client, me)
    assert browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Too soon", "action": "save"}).status_code == 422
    db.expire_all()
    assert db.get(TherapySession, therapy.id).note_data == ""


def test_couple_page_and_dashboard_show_the_next_planned_session(client, factory, db):
    me = factory.counselor()
    _new_york(db, me)
    couple, quiet = factory.couple(me), factory.couple(me, names=("Kim", "Lou"))
    factory.therapy_session(couple, days_ago=40)
    factory.therapy_session(quiet, days_ago=30)
    factory.planned_session(couple, _in(days=-2))  # never marked: not "next"
    soon = factory.planned_session(couple, datetime(2099, 1, 1, 3, 30, tzinfo=UTC), duration_minutes=80,
                                   modality="video")
    near = factory.planned_session(quiet, _in(days=2), modality="phone")
    new_york = ZoneInfo("America/New_York")
    next_week = datetime.combine(datetime.now(new_york).date() + timedelta(days=7), time(23, 0), tzinfo=new_york)
    week = factory.planned_session(quiet, next_week)  # the same weekday next week, late: still shown
    factory.planned_session(quiet, next_week + timedelta(hours=2))  # the day after: beyond the dashboard's week
    browser = Browser(client, me)

    page = browser.get(f"/couples/{couple.id}").text
    assert "Next session" in page and f'href="/sessions/{soon.id}"' in page
    assert "31 Dec 2098, 22:30" in page  # the practice's zone
    assert "Video · 80 min" in page and "Plan another session" in page
    assert ">Planned</span>" in page  # the sessions list says so in words

    dashboard = browser.get("/dashboard").text
    planned = dashboard[dashboard.index('id="later-h"'):dashboard.index('id="recent-h"')]
    assert f'href="/sessions/{near.id}"' in planned and "Kim &amp; Lou Lee" in planned and "Phone · 50 min" in planned
    assert f'href="/sessions/{soon.id}"' not in planned
    assert f'href="/sessions/{week.id}"' in planned and planned.count("<li>") == 2
    recent = dashboard[dashboard.index('id="recent-h"'):]
    assert ">Planned</span>" not in recent and "Held" in recent
    not_seen = dashboard[dashboard.index('id="notseen-h"'):dashboard.index('id="later-h"')]
    assert "next planned" in not_seen and "1 Jan 2099" not in not_seen and "31 Dec 2098" in not_seen
