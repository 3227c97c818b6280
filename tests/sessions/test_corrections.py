"""Correcting a session's details (audited with old and new values, a signed session's date,
length and modality only), signing only after the start, stale note forms refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.errors import Conflict, InvalidField
from app.sessions import service
from app.sessions.models import AgreementCheckIn, TherapySession
from app.sessions.schemas import SessionCorrection, SessionUpdate


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.entity == "therapy_session",
                                                 AuditEvent.action == action).order_by(AuditEvent.id)).all())


def test_a_correction_is_audited_with_old_and_new_values(factory, db):
    me = factory.counselor()
    therapy = factory.therapy_session(factory.couple(me))
    old_start = therapy.starts_at.astimezone(UTC)
    new_start = (old_start - timedelta(days=1)).replace(microsecond=0)
    found, fields = service.correct_session(db, actor=me, session_id=therapy.id, data=SessionCorrection(
        starts_at=new_start, duration_minutes=80, modality="video", attendance="held"))
    db.commit()
    assert fields == ["duration_minutes", "modality", "starts_at"]  # attendance was already held
    (event,) = _events(db, "correct")
    assert event.detail == {
        "fields": ["duration_minutes", "modality", "starts_at"], "signed": False,
        "from": {"duration_minutes": 50, "modality": "in_person", "starts_at": old_start.isoformat()},
        "to": {"duration_minutes": 80, "modality": "video", "starts_at": new_start.isoformat()},
    }
    listed = service.corrections(db, found=found)
    assert [(c.field, c.old, c.new, c.by_id) for c in listed] == [
        ("duration_minutes", 50, 80, me.id), ("modality", "in_person", "video", me.id),
        ("starts_at", old_start, new_start, me.id)]


def test_the_same_values_correct_nothing(factory, db):
    me = factory.counselor()
    therapy = factory.therapy_session(factory.couple(me))
    _, fields = service.correct_session(db, actor=me, session_id=therapy.id,
                                        data=SessionCorrection(starts_at=therapy.starts_at, duration_minutes=50))
    assert fields == [] and _events(db, "correct") == []


def test_a_signed_session_corrects_its_details_but_keeps_attendance(factory, db):
    me = factory.counselor()
    therapy = factory.therapy_session(factory.couple(me), status="signed", signed_by_id=me.id)
    found, fields = service.correct_session(db, actor=me, session_id=therapy.id,
                                            data=SessionCorrection(duration_minutes=90))
    assert fields == ["duration_minutes"] and found.status == "signed" and found.note_data == "Discussed the week."
    assert _events(db, "correct")[0].detail["signed"] is True
    with pytest.raises(Conflict, match="its attendance can't change"):
        service.correct_session(db, actor=me, session_id=therapy.id, data=SessionCorrection(attendance="cancelled"))
    with pytest.raises(InvalidField, match="plan the session instead") as held_in_future:
        service.correct_session(db, actor=me, session_id=therapy.id,
                                data=SessionCorrection(starts_at=datetime.now(UTC) + timedelta(days=2)))
    assert held_in_future.value.field == "starts_at"


def test_attendance_corrections_keep_the_rules(factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)  # held, a draft note
    with pytest.raises(InvalidField, match="A planned session has no note"):
        service.correct_session(db, actor=me, session_id=therapy.id, data=SessionCorrection(attendance="planned"))
    ahead = factory.planned_session(couple, datetime.now(UTC) + timedelta(hours=3))
    with pytest.raises(InvalidField, match="hasn't started yet") as early:
        service.correct_session(db, actor=me, session_id=ahead.id, data=SessionCorrection(attendance="no_show"))
    assert early.value.field == "attendance"
    agreement = factory.agreement(couple)
    db.add(AgreementCheckIn(practice_id=me.practice_id, agreement_id=agreement.id, session_id=therapy.id,
                            outcome="kept", recorded_by_id=me.id))
    db.commit()
    with pytest.raises(InvalidField, match="check-ins belong to a held session"):
        service.correct_session(db, actor=me, session_id=therapy.id, data=SessionCorrection(attendance="cancelled"))
    with pytest.raises(InvalidField, match="check-ins belong to a held session"):  # the PATCH keeps it too
        service.update_session(db, actor=me, session_id=therapy.id, data=SessionUpdate(attendance="cancelled"))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_corrections_through_the_api(client, factory, db):
    me = factory.counselor()
    headers = factory.headers(me)
    therapy = factory.therapy_session(factory.couple(me), status="signed", signed_by_id=me.id)
    r = client.post(f"/api/v1/sessions/{therapy.id}/corrections", json={"modality": "phone"}, headers=headers)
    assert r.status_code == 200 and r.json()["modality"] == "phone"
    r = client.post(f"/api/v1/sessions/{therapy.id}/corrections", json={"attendance": "no_show"}, headers=headers)
    assert r.status_code == 409 and r.json()["detail"] == service.SIGNED_ATTENDANCE
    # The PATCH of a signed session stays refused, as before.
    r = client.patch(f"/api/v1/sessions/{therapy.id}", json={"modality": "video"}, headers=headers)
    assert r.status_code == 409


def test_signing_before_the_start_is_refused(client, factory, db):
    me = factory.counselor()
    headers = factory.headers(me)
    later_today = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    therapy = factory.therapy_session(factory.couple(me))
    therapy.starts_at = later_today  # stored directly: the service never makes a held session this early
    db.add(therapy)
    db.commit()
    r = client.post(f"/api/v1/sessions/{therapy.id}/sign", headers=headers)
    assert r.status_code == 409
    assert r.json()["detail"] == (f"This session starts on {later_today:%-d %b %Y, %H:%M} UTC: its note can be "
                                  "signed once the session has taken place")
    db.expire_all()
    assert db.get(TherapySession, therapy.id).status == "draft"


def test_a_stale_note_form_is_refused(factory, db):
    me = factory.counselor()
    therapy = factory.therapy_session(factory.couple(me), note_data="First")
    loaded = service.note_version(therapy)
    service.update_session(db, actor=me, session_id=therapy.id, data=SessionUpdate(note_data="Second"),
                           expected_version=loaded)  # the same tab: fine
    with pytest.raises(service.NoteChanged) as stale:  # the other, still at "First"
        service.update_session(db, actor=me, session_id=therapy.id, data=SessionUpdate(note_data="Third"),
                               expected_version=loaded)
    assert stale.value.signed is False
    # Posting the text that is already there is no conflict (a second post of the same form).
    service.update_session(db, actor=me, session_id=therapy.id, data=SessionUpdate(note_data="Second"),
                           expected_version=loaded)
    with pytest.raises(service.NoteChanged):
        service.sign_session(db, actor=me, session_id=therapy.id, expected_version=loaded)
    service.sign_session(db, actor=me, session_id=therapy.id, expected_version=service.note_version(therapy))
    with pytest.raises(service.NoteChanged) as signed:
        service.update_session(db, actor=me, session_id=therapy.id, data=SessionUpdate(note_data="Fourth"),
                               expected_version=service.note_version(therapy))
    assert signed.value.signed is True


def test_deleting_a_draft_is_audited_with_what_it_was(factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)
    service.delete_session(db, actor=me, session_id=therapy.id)
    db.commit()
    (event,) = _events(db, "delete")
    assert event.detail == {"starts_at": therapy.starts_at.astimezone(UTC).isoformat(), "attendance": "held",
                            "couple_id": couple.id, "client_id": None}


def test_names_of_counselors_stay_in_the_practice(factory, db):
    me = factory.counselor(name="Dana Reyes")
    other = factory.counselor(name="Elsewhere")
    assert service.names_of(db, practice_id=me.practice_id, ids=[me.id, other.id, None]) == {me.id: "Dana Reyes"}


# -- who attended ------------------------------------------------------------------------------

def test_who_attended_is_corrected_and_audited(factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)  # held, a draft, both partners
    found, fields = service.correct_session(db, actor=me, session_id=therapy.id,
                                            data=SessionCorrection(attendee_ids=[couple.partner_b_id]))
    db.commit()
    assert fields == ["attendee_ids"] and found.attendee_ids == [couple.partner_b_id]
    (event,) = _events(db, "correct")
    assert event.detail == {"fields": ["attendee_ids"], "signed": False,
                            "from": {"attendee_ids": sorted([couple.partner_a_id, couple.partner_b_id])},
                            "to": {"attendee_ids": [couple.partner_b_id]}}
    assert [(c.field, c.old, c.new) for c in service.corrections(db, found=found)] == [
        ("attendee_ids", sorted([couple.partner_a_id, couple.partner_b_id]), [couple.partner_b_id])]
    # The same people in another order change nothing.
    _, again = service.correct_session(db, actor=me, session_id=therapy.id,
                                       data=SessionCorrection(attendee_ids=[couple.partner_b_id]))
    both = service.correct_session(db, actor=me, session_id=therapy.id, data=SessionCorrection(
        attendee_ids=[couple.partner_b_id, couple.partner_a_id]))[1]
    _, same = service.correct_session(db, actor=me, session_id=therapy.id, data=SessionCorrection(
        attendee_ids=[couple.partner_a_id, couple.partner_b_id]))
    assert again == [] and both == ["attendee_ids"] and same == []


def test_who_attended_keeps_its_rules(factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    stranger = factory.client(me, first="Sam")
    therapy = factory.therapy_session(couple)
    with pytest.raises(InvalidField) as nobody:
        service.correct_session(db, actor=me, session_id=therapy.id, data=SessionCorrection(attendee_ids=[]))
    assert nobody.value.field == "attendee_ids"
    with pytest.raises(InvalidField, match="the couple's partners"):
        service.correct_session(db, actor=me, session_id=therapy.id,
                                data=SessionCorrection(attendee_ids=[stranger.id]))
    with pytest.raises(InvalidField, match="the couple's partners"):
        service.correct_session(db, actor=me, session_id=therapy.id,
                                data=SessionCorrection(attendee_ids=[couple.partner_a_id, couple.partner_a_id]))
    signed = factory.therapy_session(couple, status="signed", signed_by_id=me.id)
    with pytest.raises(Conflict, match="who attended stays as signed"):
        service.correct_session(db, actor=me, session_id=signed.id,
                                data=SessionCorrection(attendee_ids=[couple.partner_a_id]))
    # A signed session's same attendees (in any order) are no change, so no refusal.
    _, fields = service.correct_session(db, actor=me, session_id=signed.id, data=SessionCorrection(
        attendee_ids=[couple.partner_b_id, couple.partner_a_id], duration_minutes=60))
    assert fields == ["duration_minutes"]
    db.rollback()
    assert db.get(TherapySession, therapy.id).attendee_ids == [couple.partner_a_id, couple.partner_b_id]


def test_who_attended_through_the_api(client, factory, db):
    me = factory.counselor()
    headers = factory.headers(me)
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)
    url = f"/api/v1/sessions/{therapy.id}/corrections"
    r = client.post(url, json={"attendee_ids": [couple.partner_a_id]}, headers=headers)
    assert r.status_code == 200 and r.json()["attendee_ids"] == [couple.partner_a_id]
    r = client.post(url, json={"attendee_ids": []}, headers=headers)
    assert r.status_code == 422 and "attendee_ids" in r.text
    signed = factory.therapy_session(couple, status="signed", signed_by_id=me.id)
    r = client.post(f"/api/v1/sessions/{signed.id}/corrections", json={"attendee_ids": [couple.partner_a_id]},
                    headers=headers)
    assert r.status_code == 409 and r.json()["detail"] == service.SIGNED_ATTENDEES


# -- the note's version says what each field held ------------------------------------------------

def test_the_note_version_fingerprints_each_field(factory, db):
    loaded = {"note_data": "Data", "note_assessment": "Assessment", "note_plan": "Old plan"}
    version = service.note_version(loaded)
    assert len(version.split(".")) == 3 and version == service.note_version({**loaded, "note_plan": " Old plan\n"})
    assert service.changed_fields(loaded, version) == []
    assert service.changed_fields({**loaded, "note_data": "Data, more"}, version) == ["note_data"]
    assert service.changed_fields({**loaded, "note_data": "x", "note_plan": "y"}, version) == ["note_data",
                                                                                               "note_plan"]
    # A version that can't tell (none, or an older form's single fingerprint): every field counts.
    assert service.changed_fields(loaded, None) == list(service.NOTE_FIELDS)
    assert service.changed_fields(loaded, "0123456789abcdef0123") == list(service.NOTE_FIELDS)
    therapy = factory.therapy_session(factory.couple(factory.counselor()), **loaded)
    assert service.note_version(therapy) == version
