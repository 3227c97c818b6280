"""Clients and couples: create, search, paginate, update, discharge; caseload scoping."""

from __future__ import annotations


def test_create_and_read_client(client, factory):
    me = factory.counselor()
    headers = factory.headers(me)
    r = client.post("/api/v1/clients", json={"first_name": " Maya ", "last_name": "Okafor",
                                             "email": "maya@example.com"}, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["first_name"] == "Maya"  # whitespace trimmed
    assert body["counselor_id"] == me.id
    assert body["status"] == "active"
    got = client.get(f"/api/v1/clients/{body['id']}", headers=headers).json()
    assert got["display_name"] == "Maya Okafor"


def test_search_and_pagination(client, factory):
    me = factory.counselor()
    for i in range(7):
        factory.client(me, first=f"Person{i}", last="Smith")
    factory.client(me, first="Zoë", last="Ågren")
    headers = factory.headers(me)
    page = client.get("/api/v1/clients?limit=3&offset=3", headers=headers).json()
    assert page["total"] == 8
    assert len(page["items"]) == 3
    assert page["offset"] == 3
    found = client.get("/api/v1/clients", params={"q": "zoë"}, headers=headers).json()
    assert [c["last_name"] for c in found["items"]] == ["Ågren"]
    assert client.get("/api/v1/clients?q=person3", headers=headers).json()["total"] == 1


def test_discharge_is_a_status_change_not_a_delete(client, factory):
    me = factory.counselor()
    person = factory.client(me)
    headers = factory.headers(me)
    r = client.post(f"/api/v1/clients/{person.id}/discharge", headers=headers)
    assert r.status_code == 200
    assert r.json()["status"] == "discharged"
    assert r.json()["discharged_at"] is not None
    again = client.post(f"/api/v1/clients/{person.id}/discharge", headers=headers)
    assert again.status_code == 409
    assert client.get(f"/api/v1/clients/{person.id}", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/clients/{person.id}", headers=headers).status_code == 405
    active = client.get("/api/v1/clients?status=active", headers=headers).json()
    assert active["total"] == 0


def test_counselor_sees_own_caseload_owner_sees_practice(client, factory):
    owner = factory.owner()
    practice = factory.session.get(type(factory.practice()), owner.practice_id)
    sam = factory.counselor(practice)
    ines = factory.counselor(practice)
    mine = factory.client(sam, first="Mine")
    theirs = factory.client(ines, first="Theirs")
    sam_headers = factory.headers(sam)
    names = [c["first_name"] for c in client.get("/api/v1/clients", headers=sam_headers).json()["items"]]
    assert names == ["Mine"]
    assert client.get(f"/api/v1/clients/{theirs.id}", headers=sam_headers).status_code == 404
    owner_names = {c["first_name"] for c in
                   client.get("/api/v1/clients", headers=factory.headers(owner)).json()["items"]}
    assert owner_names == {"Mine", "Theirs"}
    assert mine.id


def test_couple_create_and_partners(client, factory):
    me = factory.counselor()
    a, b = factory.client(me, first="Maya"), factory.client(me, first="Daniel")
    headers = factory.headers(me)
    r = client.post("/api/v1/couples", json={"partner_a_id": a.id, "partner_b_id": b.id,
                                             "breach_type": "emotional_affair",
                                             "disclosed_on": "2026-01-15"}, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["partner_a"]["first_name"] == "Maya"
    assert body["partner_b"]["first_name"] == "Daniel"
    assert body["name"] == "Maya & Daniel Rivera"  # one surname, said once (clients.models.couple_name)
    assert body["status"] == "active"
    found = client.get("/api/v1/couples", params={"q": "daniel"}, headers=headers).json()
    assert found["total"] == 1
    done = client.post(f"/api/v1/couples/{body['id']}/discharge", headers=headers)
    assert done.json()["status"] == "discharged"


def test_couple_rejects_same_client_twice_and_foreign_partner(client, factory, db):
    me = factory.counselor()
    other = factory.counselor()  # another practice
    a = factory.client(me)
    stranger = factory.client(other)
    headers = factory.headers(me)
    same = client.post("/api/v1/couples", json={"partner_a_id": a.id, "partner_b_id": a.id,
                                                "breach_type": "deception"}, headers=headers)
    assert same.status_code == 422
    assert same.json()["detail"][0]["loc"] == ["body", "partner_b_id"]
    foreign = client.post("/api/v1/couples", json={"partner_a_id": a.id, "partner_b_id": stranger.id,
                                                   "breach_type": "deception"}, headers=headers)
    assert foreign.status_code == 422
    assert foreign.json()["detail"][0]["loc"] == ["body", "partner_b_id"]
    assert client.get("/api/v1/couples", headers=headers).json()["total"] == 0


def test_counselor_cannot_assign_clients_to_colleague_but_owner_can(client, factory):
    owner = factory.owner()
    practice = factory.session.get(type(factory.practice()), owner.practice_id)
    sam = factory.counselor(practice)
    ines = factory.counselor(practice)
    body = {"first_name": "A", "last_name": "B", "counselor_id": ines.id}
    assert client.post("/api/v1/clients", json=body, headers=factory.headers(sam)).status_code == 422
    r = client.post("/api/v1/clients", json=body, headers=factory.headers(owner))
    assert r.status_code == 201
    assert r.json()["counselor_id"] == ines.id
