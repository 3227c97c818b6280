"""A signed note stores a content hash; a note altered in the database is reported on the page
and in the API, and audited (``note_integrity_failed``, no note text)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import text
from sqlmodel import select

from app.audit.models import AuditEvent
from app.db import get_engine
from app.sessions.models import TherapySession
from tests.web.conftest import Browser

WARNING = "This note's text no longer matches what was signed on"


def _signed(client, factory, db):  # type: ignore[no-untyped-def]
    owner = factory.owner()
    couple = factory.couple(owner)
    headers = factory.headers(owner)
    sid = client.post("/api/v1/sessions", headers=headers, json={
        "couple_id": couple.id, "starts_at": "2026-10-01T09:00:00Z", "note_data": "Both present.",
        "note_plan": "Weekly."}).json()["id"]
    signed = client.post(f"/api/v1/sessions/{sid}/sign", headers=headers)
    assert signed.status_code == 200, signed.text
    assert signed.json()["integrity"] == "ok"
    return owner, headers, sid


def _failures(db, sid):  # type: ignore[no-untyped-def]
    db.rollback()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "note_integrity_failed",
                                                 AuditEvent.entity_id == sid)).all())


def test_signing_stores_the_hash_of_the_signed_content(client, factory, db):
    owner, _, sid = _signed(client, factory, db)
    found = db.get(TherapySession, sid)
    payload = {"session_id": sid, "note_data": "Both present.", "note_assessment": "", "note_plan": "Weekly.",
               "signed_by_id": owner.id, "signed_at": found.signed_at.isoformat()}
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert found.note_hash == expected
    sign = db.exec(select(AuditEvent).where(AuditEvent.action == "sign", AuditEvent.entity_id == sid)).one()
    assert sign.detail == {"note_hash": expected}  # the keyed audit chain vouches for it too


def test_an_unaltered_note_shows_no_warning(client, factory, db):
    owner, headers, sid = _signed(client, factory, db)
    assert client.get(f"/api/v1/sessions/{sid}", headers=headers).json()["integrity"] == "ok"
    page = Browser(client, owner).get(f"/sessions/{sid}")
    assert page.status_code == 200
    assert "no longer matches" not in page.text
    assert _failures(db, sid) == []


def test_a_note_altered_in_the_database_is_shown_returned_and_audited(client, factory, db):
    owner, headers, sid = _signed(client, factory, db)
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE therapy_session SET note_data = 'Only one came.' WHERE id = :id"), {"id": sid})
    body = client.get(f"/api/v1/sessions/{sid}", headers=headers).json()
    assert body["integrity"] == "changed"
    page = Browser(client, owner).get(f"/sessions/{sid}")
    assert WARNING in page.text
    assert "it was changed outside Mend. The practice owner has been told in the audit log." in page.text
    failures = _failures(db, sid)
    assert len(failures) == 2  # the API read and the page read
    assert all("Only one came" not in json.dumps(e.detail) and "Both present" not in json.dumps(e.detail)
               for e in failures)
    assert failures[0].actor_id == owner.id


def test_a_note_signed_before_integrity_checks_says_so(client, factory, db):
    owner, headers, sid = _signed(client, factory, db)
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE therapy_session SET note_hash = NULL WHERE id = :id"), {"id": sid})
    assert client.get(f"/api/v1/sessions/{sid}", headers=headers).json()["integrity"] == "unsealed"
    page = Browser(client, owner).get(f"/sessions/{sid}")
    assert "Signed before integrity checks" in page.text
    assert "no longer matches" not in page.text
    assert _failures(db, sid) == []


def test_a_draft_has_no_integrity(client, factory, db):
    owner = factory.owner()
    couple = factory.couple(owner)
    headers = factory.headers(owner)
    sid = client.post("/api/v1/sessions", headers=headers, json={
        "couple_id": couple.id, "starts_at": "2026-10-01T09:00:00Z", "note_data": "x"}).json()["id"]
    assert client.get(f"/api/v1/sessions/{sid}", headers=headers).json()["integrity"] is None
