"""Forms: errors next to fields with what was typed kept, pagination, couples made inline."""

from __future__ import annotations

from sqlmodel import select

from app.clients.models import Client, Couple
from tests.web.conftest import Browser


def test_client_form_errors_keep_the_input(client, factory, db):
    browser = Browser(client, factory.counselor())
    response = browser.post("/clients/new", {"first_name": "Nora", "last_name": "", "email": "not-an-email",
                                             "pronouns": "she/her"})
    assert response.status_code == 422
    html = response.text
    assert 'class="error-summary"' in html and 'href="#last_name"' in html
    assert 'id="last_name-error"' in html and 'id="email-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="Nora"' in html and 'value="not-an-email"' in html and 'value="she/her"' in html
    assert db.exec(select(Client).where(Client.first_name == "Nora")).first() is None


def test_client_create_edit_and_discharge(client, factory, db):
    browser = Browser(client, factory.counselor())
    response = browser.post("/clients/new", {"first_name": "Nora", "last_name": "Hale", "pronouns": "she/her"})
    assert response.status_code == 200 and "Client added." in response.text
    nora = db.exec(select(Client).where(Client.first_name == "Nora")).one()
    response = browser.post(f"/clients/{nora.id}/edit", {"first_name": "Nora", "last_name": "Hale-Smith"})
    assert "Hale-Smith" in response.text and "Client details saved." in response.text
    db.rollback()  # end the read snapshot, see what the app committed
    db.expire_all()
    assert db.get(Client, nora.id).pronouns is None  # emptied field cleared
    edit = browser.post(f"/clients/{nora.id}/edit", {"first_name": "", "last_name": "Hale"})
    assert edit.status_code == 422 and 'id="first_name-error"' in edit.text
    assert "Client discharged." in browser.post(f"/clients/{nora.id}/discharge").text


def test_client_list_paginates_and_searches(client, factory):
    me = factory.counselor()
    for n in range(25):
        factory.client(me, first=f"Person{n:02d}", last=f"Zed{n:02d}")
    browser = Browser(client, me)
    first = browser.get("/clients").text
    assert "Page 1 of 2" in first and "Zed00" in first and "Zed24" not in first
    assert 'href="/clients?page=2"' in first
    second = browser.get("/clients?page=2").text
    assert "Zed24" in second and "Zed00" not in second and 'rel="prev"' in second
    found = browser.get("/clients?q=zed07").text
    assert "Zed07" in found and "Zed08" not in found
    assert browser.get("/clients?page=abc").status_code == 200


def test_sessions_and_audit_paginate(client, factory):
    owner = factory.owner()
    couple = factory.couple(owner)
    for n in range(22):
        factory.therapy_session(couple, days_ago=n + 1)
    browser = Browser(client, owner)
    assert "Page 1 of 2" in browser.get("/sessions").text
    for _ in range(3):
        browser.get(f"/couples/{couple.id}")
    audit = browser.get("/audit")
    assert audit.status_code == 200 and "Login" in audit.text


def test_couple_with_both_partners_typed_in(client, factory, db):
    browser = Browser(client, factory.counselor())
    response = browser.post("/couples/new", {
        "a_first_name": "Dana", "a_last_name": "Moss", "b_first_name": "Eli", "b_last_name": "Moss",
        "breach_type": "emotional_affair", "disclosed_on": "2024-01-05",
    })
    assert response.status_code == 200 and "Dana &amp; Eli Moss" in response.text
    assert db.exec(select(Couple)).one().breach_type == "emotional_affair"


def test_couple_form_errors_keep_input_and_create_nothing(client, factory, db):
    me = factory.counselor()
    existing = factory.client(me, first="Kim", last="Park")
    browser = Browser(client, me)
    response = browser.post("/couples/new", {
        "a_client_id": str(existing.id), "b_first_name": "Lou", "b_last_name": "",
        "breach_type": "", "breach_summary": "Texts found in March",
    })
    assert response.status_code == 422
    assert 'id="b_last_name-error"' in response.text and 'id="breach_type-error"' in response.text
    assert "Texts found in March" in response.text and 'value="Lou"' in response.text
    assert f'<option value="{existing.id}" selected>' in response.text
    assert db.exec(select(Client).where(Client.first_name == "Lou")).first() is None
    same = browser.post("/couples/new", {"a_client_id": str(existing.id), "b_client_id": str(existing.id),
                                         "breach_type": "deception"})
    assert same.status_code == 422 and "two different clients" in same.text


def test_owner_manages_practice_and_counselors(client, factory, db):
    owner = factory.owner()
    browser = Browser(client, owner)
    saved = browser.post("/settings", {"name": "Harbour Counseling", "timezone": "Europe/London"})
    assert "Practice settings saved." in saved.text and "Harbour Counseling" in saved.text
    bad = browser.post("/settings", {"name": "", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    short = browser.post("/settings/counselors", {"full_name": "Pat", "email": "pat@example.com",
                                                  "password": "short", "role": "counselor"})
    assert short.status_code == 422 and 'value="pat@example.com"' in short.text
    assert 'value="short"' not in short.text
    added = browser.post("/settings/counselors", {"full_name": "Pat Doe", "email": "pat@example.com",
                                                  "password": "long enough pw", "role": "counselor"})
    assert "Counselor added." in added.text
    from app.auth.models import Counselor

    pat = db.exec(select(Counselor).where(Counselor.email == "pat@example.com")).one()
    browser.post(f"/settings/counselors/{pat.id}", {"action": "role", "role": "owner"})
    browser.post(f"/settings/counselors/{pat.id}", {"action": "retire"})
    db.rollback()  # end the read snapshot, see what the app committed
    db.expire_all()
    pat = db.get(Counselor, pat.id)
    assert pat.role == "owner" and pat.active is False
