"""Nobody holds two working links to one questionnaire in one context: a send by hand (API or
web) keeps the rule the measurement loop keeps, and a link lives 1 to 30 days everywhere."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from app.db import utcnow
from app.fields import LINK_DAYS_MAX
from app.questionnaires.models import Administration
from tests.questionnaires.helpers import TRUST, give

INTAKE = "couples-intake"


def _count(db) -> int:
    return db.exec(select(func.count()).select_from(Administration)).one()


def test_a_second_open_link_is_refused_naming_who_what_when_and_what_to_do(client, factory, db):
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Jonah"))
    headers = factory.headers(counselor)
    first = give(client, headers, couple.partner_a_id, couple_id=couple.id)
    response = client.post("/api/v1/administrations", headers=headers,
                           json={"client_id": couple.partner_a_id, "couple_id": couple.id, "instrument_id": TRUST})
    assert response.status_code == 409, response.text
    message = response.json()["detail"]  # a 409's body is the one message (the API's contract)
    sent = db.get(Administration, first["id"]).created_at
    assert "Maya Lee already has an open link to \u201cTrust Rebuilding Inventory\u201d" in message
    assert f"sent {sent.day} {sent.strftime('%b %Y')}" in message
    assert "\u201cNew link\u201d on the couple's page" in message and "revoke that link first" in message
    assert _count(db) == 1


def test_what_is_not_a_second_working_link_is_allowed(client, factory, db):
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    headers = factory.headers(counselor)
    a, b = couple.partner_a_id, couple.partner_b_id
    give(client, headers, a, couple_id=couple.id)
    give(client, headers, b, couple_id=couple.id)  # the other partner
    give(client, headers, a, couple_id=couple.id, instrument_id=INTAKE)  # another questionnaire
    give(client, headers, a)  # the same person's own work, outside the couple
    give(client, headers, a, couple_id=couple.id, mode="in_session")  # in session: not a link
    give(client, headers, a, couple_id=couple.id, mode="in_session")
    assert _count(db) == 6


def test_a_revoked_expired_or_submitted_link_no_longer_counts(client, factory, db):
    counselor = factory.counselor()
    person = factory.client(counselor)
    headers = factory.headers(counselor)
    revoked = give(client, headers, person.id)
    assert client.post(f"/api/v1/administrations/{revoked['id']}/revoke", headers=headers).status_code == 200
    expired = give(client, headers, person.id)
    row = db.get(Administration, expired["id"])
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.commit()
    submitted = give(client, headers, person.id)
    row = db.get(Administration, submitted["id"])
    row.status, row.submitted_at = "submitted", utcnow()
    db.add(row)
    db.commit()
    give(client, headers, person.id)
    refused = client.post("/api/v1/administrations", headers=headers,
                          json={"client_id": person.id, "instrument_id": TRUST})
    assert refused.status_code == 409 and "on Alex Rivera's page" in refused.text


def test_a_new_link_replaces_the_open_one_but_never_reopens_a_second(client, factory, db):
    counselor = factory.counselor()
    person = factory.client(counselor)
    headers = factory.headers(counselor)
    old = give(client, headers, person.id)
    assert client.post(f"/api/v1/administrations/{old['id']}/revoke", headers=headers).status_code == 200
    current = give(client, headers, person.id)
    again = client.post(f"/api/v1/administrations/{current['id']}/resend", headers=headers, json={})
    assert again.status_code == 200, again.text  # a new link for the open one: still one link
    reopen = client.post(f"/api/v1/administrations/{old['id']}/resend", headers=headers, json={})
    assert reopen.status_code == 409 and "already has an open link" in reopen.text
    assert db.get(Administration, old["id"]).status == "revoked"


def test_a_link_lives_1_to_30_days_when_sent_and_when_resent(client, factory, db):
    assert LINK_DAYS_MAX == 30
    counselor = factory.counselor()
    person = factory.client(counselor)
    headers = factory.headers(counselor)
    for days in (0, LINK_DAYS_MAX + 1):
        refused = client.post("/api/v1/administrations", headers=headers,
                              json={"client_id": person.id, "instrument_id": TRUST, "expires_in_days": days})
        assert refused.status_code == 422 and "expires_in_days" in refused.text
    made = give(client, headers, person.id, expires_in_days=LINK_DAYS_MAX)
    resent = client.post(f"/api/v1/administrations/{made['id']}/resend", headers=headers,
                         json={"expires_in_days": LINK_DAYS_MAX + 1})
    assert resent.status_code == 422 and "expires_in_days" in resent.text
    assert client.post(f"/api/v1/administrations/{made['id']}/resend", headers=headers,
                       json={"expires_in_days": 1}).status_code == 200
