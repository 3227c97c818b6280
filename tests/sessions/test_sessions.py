"""Therapy sessions: notes, signing locks, addenda, deleting drafts only, audit of reads."""

from __future__ import annotations

from sqlmodel import select

from app.audit.models import AuditEvent


def _new_session(client, headers, couple, **extra):
    body = {"couple_id": couple.id, "starts_at": "2026-10-01T09:00:00Z", "duration_minutes": 50,
            "modality": "video", "note_data": "Both present.", **extra}
    return client.post("/api/v1/sessions", json=body, headers=headers)


def test_create_session_defaults_attendees_to_both_partners(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    r = _new_session(client, factory.headers(me), couple)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["attendee_ids"] == sorted([couple.partner_a_id, couple.partner_b_id])
    assert body["status"] == "draft"
    assert body["starts_at"].startswith("2026-10-01T09:00:00")


def test_signing_locks_the_note(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    sid = _new_session(client, headers, couple).json()["id"]
    signed = client.post(f"/api/v1/sessions/{sid}/sign", headers=headers)
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed"
    assert signed.json()["signed_by_id"] == me.id
    edit = client.patch(f"/api/v1/sessions/{sid}", json={"note_plan": "changed"}, headers=headers)
    assert edit.status_code == 409
    assert "addendum" in edit.json()["detail"]
    assert client.delete(f"/api/v1/sessions/{sid}", headers=headers).status_code == 409
    add = client.post(f"/api/v1/sessions/{sid}/addenda", json={"text": "Correction: 60 min"},
                      headers=headers)
    assert add.status_code == 201
    note = client.get(f"/api/v1/sessions/{sid}", headers=headers).json()
    assert note["note_plan"] == ""
    assert [a["text"] for a in note["addenda"]] == ["Correction: 60 min"]


def test_addendum_on_a_draft_is_refused(client, factory):
    me = factory.counselor()
    headers = factory.headers(me)
    sid = _new_session(client, headers, factory.couple(me)).json()["id"]
    r = client.post(f"/api/v1/sessions/{sid}/addenda", json={"text": "x"}, headers=headers)
    assert r.status_code == 409


def test_empty_note_cannot_be_signed(client, factory):
    me = factory.counselor()
    headers = factory.headers(me)
    sid = _new_session(client, headers, factory.couple(me), note_data="").json()["id"]
    r = client.post(f"/api/v1/sessions/{sid}/sign", headers=headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "note_data"]


def test_drafts_can_be_deleted(client, factory):
    me = factory.counselor()
    headers = factory.headers(me)
    sid = _new_session(client, headers, factory.couple(me)).json()["id"]
    assert client.delete(f"/api/v1/sessions/{sid}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/sessions/{sid}", headers=headers).status_code == 404


def test_list_does_not_include_notes_and_filters_by_couple(client, factory):
    me = factory.counselor()
    headers = factory.headers(me)
    one, two = factory.couple(me), factory.couple(me, names=("Kim", "Lou"))
    for _ in range(3):
        _new_session(client, headers, one)
    _new_session(client, headers, two)
    page = client.get(f"/api/v1/couples/{one.id}/sessions", headers=headers).json()
    assert page["total"] == 3
    assert "note_data" not in page["items"][0]
    assert client.get("/api/v1/sessions?q=kim", headers=headers).json()["total"] == 1


def test_reading_a_note_is_audited(client, factory, db):
    owner = factory.owner()
    couple = factory.couple(owner)
    headers = factory.headers(owner)
    sid = _new_session(client, headers, couple).json()["id"]
    client.get(f"/api/v1/sessions/{sid}", headers=headers)
    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "therapy_session")).all()
    assert [(e.action, e.actor_id, e.entity_id) for e in events] == [
        ("create", owner.id, sid), ("read_note", owner.id, sid)]
    listed = client.get("/api/v1/audit-events?entity=therapy_session", headers=headers).json()
    assert listed["total"] == 2
    assert listed["items"][0]["action"] == "read_note"


def test_only_owner_reads_audit_trail(client, factory):
    me = factory.counselor()
    assert client.get("/api/v1/audit-events", headers=factory.headers(me)).status_code == 403


def test_individual_session_for_one_client(client, factory):
    me = factory.counselor()
    person = factory.client(me)
    r = client.post("/api/v1/sessions", json={"client_id": person.id, "starts_at": "2026-10-02T10:00",
                                              "modality": "phone"}, headers=factory.headers(me))
    assert r.status_code == 201
    assert r.json()["attendee_ids"] == [person.id]
    assert r.json()["starts_at"].startswith("2026-10-02T10:00:00")
