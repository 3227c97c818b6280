"""Owners manage counselors and practice settings; counselors cannot."""

from __future__ import annotations

from app.practice.models import Practice


def test_owner_adds_and_retires_a_counselor(client, factory):
    owner = factory.owner()
    headers = factory.headers(owner)
    r = client.post("/api/v1/counselors", json={"email": "New@Example.com", "full_name": "Nia New",
                                                "password": "a long password"}, headers=headers)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["email"] == "new@example.com"
    assert "password" not in str(new)
    login = client.post("/api/v1/auth/token", data={"username": "new@example.com",
                                                     "password": "a long password"})
    assert login.status_code == 200
    retired = client.patch(f"/api/v1/counselors/{new['id']}", json={"active": False}, headers=headers)
    assert retired.json()["active"] is False
    again = client.post("/api/v1/auth/token", data={"username": "new@example.com",
                                                     "password": "a long password"})
    assert again.status_code == 401


def test_counselor_cannot_manage_staff_or_practice(client, factory):
    owner = factory.owner()
    me = factory.counselor(factory.session.get(Practice, owner.practice_id))
    headers = factory.headers(me)
    r = client.post("/api/v1/counselors", json={"email": "x@example.com", "full_name": "X",
                                                "password": "a long password"}, headers=headers)
    assert r.status_code == 403
    assert client.patch(f"/api/v1/counselors/{owner.id}", json={"role": "counselor"},
                        headers=headers).status_code == 403
    assert client.patch("/api/v1/practice", json={"name": "Mine"}, headers=headers).status_code == 403
    names = [c["full_name"] for c in client.get("/api/v1/counselors", headers=headers).json()["items"]]
    assert sorted(names) == ["Casey Counselor", "Olive Owner"]
    found = client.get("/api/v1/counselors", params={"q": "olive"}, headers=headers).json()
    assert [c["full_name"] for c in found["items"]] == ["Olive Owner"] and found["total"] == 1


def test_owner_cannot_demote_themselves(client, factory):
    owner = factory.owner()
    r = client.patch(f"/api/v1/counselors/{owner.id}", json={"role": "counselor"},
                     headers=factory.headers(owner))
    assert r.status_code == 422


def test_duplicate_email_is_a_clear_422(client, factory):
    owner = factory.owner()
    body = {"email": owner.email, "full_name": "Twin", "password": "a long password"}
    r = client.post("/api/v1/counselors", json=body, headers=factory.headers(owner))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "email"]


def test_practice_settings(client, factory):
    owner = factory.owner()
    headers = factory.headers(owner)
    r = client.patch("/api/v1/practice", json={"name": "Quiet Harbour", "timezone": "Europe/Paris"},
                     headers=headers)
    assert r.json() == {"id": owner.practice_id, "name": "Quiet Harbour", "timezone": "Europe/Paris",
                        "support_text": None, "mail_name": None, "link_days": 7, "reminder_after_days": 2,
                        "reminder_before_days": 1, "retention_years": 7, "retention_auto_purge": False,
                        "require_two_factor": False}
    bad = client.patch("/api/v1/practice", json={"timezone": "Mars/Olympus"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "timezone"]


def test_every_change_is_audited(client, factory):
    owner = factory.owner()
    headers = factory.headers(owner)
    couple = factory.couple(owner)
    sid = client.post("/api/v1/sessions", json={"couple_id": couple.id, "starts_at": "2026-10-01T09:00Z",
                                                "note_data": "n"}, headers=headers).json()["id"]
    client.patch(f"/api/v1/sessions/{sid}", json={"note_plan": "p"}, headers=headers)
    client.get(f"/api/v1/sessions/{sid}", headers=headers)
    client.post(f"/api/v1/sessions/{sid}/sign", headers=headers)
    draft = client.post("/api/v1/sessions", json={"couple_id": couple.id, "starts_at": "2026-10-08T09:00Z"},
                        headers=headers).json()["id"]
    client.delete(f"/api/v1/sessions/{draft}", headers=headers)
    events = client.get("/api/v1/audit-events?entity=therapy_session&limit=20", headers=headers).json()
    seen = [(e["action"], e["entity_id"], e["actor_id"]) for e in reversed(events["items"])]
    assert seen == [("create", sid, owner.id), ("update", sid, owner.id), ("read_note", sid, owner.id),
                    ("sign", sid, owner.id), ("create", draft, owner.id), ("delete", draft, owner.id)]
