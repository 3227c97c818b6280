"""A batch of bad inputs against every write endpoint: always a 4xx that names the field,
never a 500, and never a partial write."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.db import metadata
from app.instruments.catalog import default_catalog
from app.questionnaires.models import Administration

LONG = "x" * 100_001


def _row_counts(db) -> dict[str, int]:
    db.rollback()  # a fresh snapshot
    return {t: db.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in metadata.tables}


@pytest.fixture
def world(factory):
    me = factory.owner()
    couple = factory.couple(me)
    visit = factory.therapy_session(couple)
    signed = factory.therapy_session(couple, status="signed")
    agreement = factory.agreement(couple)
    trust = default_catalog().latest("trust-rebuilding")
    given = factory._save(Administration(
        practice_id=me.practice_id, client_id=couple.partner_a_id, couple_id=couple.id,
        counselor_id=me.id, instrument_id=trust.id, instrument_version=trust.version,
        definition_checksum=trust.checksum, mode="in_session"))
    return {"administration": given, "me": me, "headers": factory.headers(me), "couple": couple, "session": visit,
            "signed": signed, "agreement": agreement}


def _cases(w) -> list[tuple[str, str, dict]]:
    c, s, a = w["couple"], w["session"], w["agreement"]
    return [
        ("POST", "/api/v1/clients", {"first_name": "A", "last_name": "B", "email": "a@example.com",
                                     "date_of_birth": "1990-01-31", "phone": "+44 20 7946 0000"}),
        ("PATCH", f"/api/v1/clients/{c.partner_a_id}", {"first_name": "A", "date_of_birth": "1990-01-31"}),
        ("POST", "/api/v1/couples", {"partner_a_id": c.partner_a_id, "partner_b_id": c.partner_b_id,
                                     "breach_type": "infidelity", "disclosed_on": "2025-01-01"}),
        ("PATCH", f"/api/v1/couples/{c.id}", {"breach_type": "neglect", "status": "paused",
                                              "disclosed_on": "2025-01-01"}),
        ("POST", "/api/v1/sessions", {"couple_id": c.id, "starts_at": "2026-01-01T10:00:00Z",
                                      "modality": "video", "duration_minutes": 50, "note_data": "n"}),
        ("PATCH", f"/api/v1/sessions/{s.id}", {"modality": "phone", "note_plan": "p",
                                                "starts_at": "2026-01-01T10:00:00Z"}),
        ("POST", f"/api/v1/sessions/{w['signed'].id}/addenda", {"text": "t"}),
        ("POST", f"/api/v1/couples/{c.id}/agreements", {"kind": "rule", "title": "t", "details": "d"}),
        ("PATCH", f"/api/v1/agreements/{a.id}", {"status": "kept", "title": "t"}),
        ("POST", f"/api/v1/agreements/{a.id}/checkins", {"session_id": s.id, "outcome": "partly",
                                                         "comment": "c"}),
        ("POST", "/api/v1/counselors", {"email": "new@example.com", "full_name": "N",
                                        "password": "long enough pass", "role": "counselor"}),
        ("PATCH", "/api/v1/practice", {"name": "P", "timezone": "Europe/Paris"}),
        ("POST", "/api/v1/administrations", {"client_id": c.partner_a_id, "couple_id": c.id,
                                             "instrument_id": "trust-rebuilding", "mode": "link",
                                             "expires_in_days": 7}),
        ("PUT", f"/api/v1/administrations/{w['administration'].id}/answers",
         {"answers": {"tr1": 3, "tr2": 4}}),
    ]


def _variants(body: dict):
    """(field, bad body) pairs: wrong type, unknown value, bad date, too long, unknown field."""
    for field, value in body.items():
        yield field, {**body, field: {"nested": [1]}}
        if isinstance(value, str):
            yield field, {**body, field: LONG}
            if field in ("breach_type", "status", "modality", "kind", "outcome", "role", "timezone",
                         "instrument_id", "mode"):
                yield field, {**body, field: "not-a-real-value"}
            if field.endswith(("_on", "_at", "_birth")):
                yield field, {**body, field: "2026-02-30"}
                yield field, {**body, field: "yesterday"}
            if field == "email":
                yield field, {**body, field: "not-an-email"}
        if isinstance(value, int) and not isinstance(value, bool):
            yield field, {**body, field: "seven"}
            yield field, {**body, field: 10**30}
            yield field, {**body, field: -1}
    yield "unexpected", {**body, "unexpected": 1}


def test_every_write_endpoint_rejects_bad_input_cleanly(client, db, world):
    before = _row_counts(db)
    checked = 0
    for method, url, body in _cases(world):
        for field, bad in _variants(body):
            response = client.request(method, url, json=bad, headers=world["headers"])
            where = f"{method} {url} field={field}"
            assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
            detail = response.json()["detail"]
            named = field in str(detail) if isinstance(detail, list) else field in detail
            if field == "partner_a_id" and response.status_code == 422:
                named = named or "partner" in str(detail)
            assert named, f"{where}: error does not name the field: {detail}"
            checked += 1
        for raw in (b"{not json", b"[1, 2]", b""):
            response = client.request(method, url, content=raw, headers={
                **world["headers"], "Content-Type": "application/json"})
            assert response.status_code == 422, f"{method} {url} raw={raw!r}: {response.status_code}"
    assert checked > 100
    assert _row_counts(db) == before, "a rejected request left rows behind"
