"""Sessions: record, save draft, sign (which locks), addenda, check-ins; agreements."""

from __future__ import annotations

from sqlmodel import select

from app.sessions.models import Agreement, AgreementCheckIn, TherapySession
from tests.web.conftest import Browser


def test_record_a_session_with_a_dap_note(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    form = browser.get(f"/couples/{couple.id}/sessions/new").text
    assert 'type="datetime-local"' in form and 'checked' in form
    response = browser.post(f"/couples/{couple.id}/sessions/new", {
        "starts_at": "2025-03-04T17:30", "duration_minutes": "60", "modality": "video",
        "attendee_ids": [str(couple.partner_a_id)], "note_data": "First joint session.",
    })
    assert response.status_code == 200 and "Session recorded." in response.text
    therapy = db.exec(select(TherapySession)).one()
    assert therapy.attendee_ids == [couple.partner_a_id] and therapy.modality == "video"


def test_session_form_errors_keep_the_note(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    response = browser.post(f"/couples/{couple.id}/sessions/new", {
        "starts_at": "", "duration_minutes": "2", "modality": "video", "note_data": "Keep me",
    })
    assert response.status_code == 422
    for field in ("starts_at", "duration_minutes", "attendee_ids"):
        assert f'id="{field}-error"' in response.text, field
    assert "Keep me" in response.text


def test_sign_locks_the_note(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple, note_data="")
    browser = Browser(client, me)
    saved = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Draft text", "action": "save"})
    assert "Draft saved." in saved.text and "Draft text" in saved.text
    unconfirmed = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Final text", "action": "sign"})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text and "Final text" in unconfirmed.text
    signed = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Final text", "action": "sign",
                                                           "confirm": "yes"})
    assert "Note signed." in signed.text
    assert 'id="note-form"' not in signed.text and "<textarea id=\"note_data\"" not in signed.text
    assert "Add an addendum" in signed.text
    again = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Sneaky edit", "action": "save"})
    assert again.status_code == 409 and "Keep it as an addendum" in again.text
    assert "Sneaky edit" in again.text  # the typed text is never lost
    db.rollback()
    db.expire_all()
    assert db.get(TherapySession, therapy.id).note_data == "Final text"
    added = browser.post(f"/sessions/{therapy.id}/addenda", {"text": "Correction: 60 minutes."})
    assert "Addendum added." in added.text and "Correction: 60 minutes." in added.text
    empty = browser.post(f"/sessions/{therapy.id}/addenda", {"text": ""})
    assert empty.status_code == 422 and 'id="text-error"' in empty.text


def test_checkins_per_agreement(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)
    phone, amends = factory.agreement(couple, title="Open phone"), factory.agreement(couple, title="Weekly amends")
    browser = Browser(client, me)
    page = browser.get(f"/sessions/{therapy.id}").text
    assert "Open phone" in page and "Weekly amends" in page
    response = browser.post(f"/sessions/{therapy.id}/checkins", {
        f"outcome_{phone.id}": "kept", f"comment_{phone.id}": "Every day", f"outcome_{amends.id}": "",
    })
    assert "Check-ins saved." in response.text
    rows = db.exec(select(AgreementCheckIn)).all()
    assert [(r.agreement_id, r.outcome, r.comment) for r in rows] == [(phone.id, "kept", "Every day")]


def test_agreements_create_change_and_retire(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    bad = browser.post(f"/couples/{couple.id}/agreements/new", {"kind": "", "title": "", "details": "typed"})
    assert bad.status_code == 422 and "typed" in bad.text and 'id="title-error"' in bad.text
    made = browser.post(f"/couples/{couple.id}/agreements/new", {"kind": "boundary", "title": "No contact"})
    assert "Agreement added." in made.text and "No contact" in made.text
    agreement = db.exec(select(Agreement)).one()
    changed = browser.post(f"/agreements/{agreement.id}/status", {"status": "broken", "note": "Texted once"})
    assert "Agreement updated." in changed.text and "Texted once" in changed.text
    retired = browser.post(f"/agreements/{agreement.id}/retire")
    assert retired.status_code == 200
    again = browser.post(f"/agreements/{agreement.id}/status", {"status": "kept"})
    assert again.status_code == 409 and "retired" in again.text


def test_times_are_shown_in_the_practice_time_zone(client, factory, db):
    from datetime import UTC, datetime

    from app.practice.models import Practice

    me = factory.counselor()
    practice = db.get(Practice, me.practice_id)
    practice.timezone = "America/New_York"
    db.add(practice)
    db.commit()
    couple = factory.couple(me)
    late = factory.therapy_session(couple)
    late.starts_at = datetime(2025, 3, 5, 2, 30, tzinfo=UTC)  # 21:30 on 4 March in New York
    db.add(late)
    db.commit()
    html = Browser(client, me).get(f"/sessions/{late.id}").text
    assert "4 Mar 2025, 21:30" in html and "5 Mar 2025" not in html
