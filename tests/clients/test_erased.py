"""An erased record keeps its row but leaves the lists, and can't be typed back to life."""

from __future__ import annotations

from app.db import utcnow


def test_erased_records_leave_the_lists_and_refuse_changes(client, db, factory):
    me = factory.counselor()
    couple = factory.couple(me, names=("Ana", "Ben"))
    kept = factory.client(me, first="Kit", last="Moss")
    gone = factory.client(me, first="Erased", last="client")
    gone.erased_at = couple.erased_at = utcnow()
    db.add_all([gone, couple])
    db.commit()
    headers = factory.headers(me)
    listed = client.get("/api/v1/clients", headers=headers).json()["items"]
    assert [c["id"] for c in listed if c["id"] in (kept.id, gone.id)] == [kept.id]
    assert client.get("/api/v1/couples", headers=headers).json()["items"] == []
    refused = client.patch(f"/api/v1/clients/{gone.id}", headers=headers, json={"first_name": "Back"})
    assert refused.status_code == 409 and "erased" in refused.text
    assert client.patch(f"/api/v1/couples/{couple.id}", headers=headers, json={"status": "active"}).status_code == 409
    db.expire_all()
    assert db.get(type(gone), gone.id).first_name == "Erased"
