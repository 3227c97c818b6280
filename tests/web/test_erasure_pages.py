"""The owner's erase page: refusal naming the date, confirmation by the typed name, 403 for others."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from app.audit.models import AuditEvent
from app.clients.models import Client, Couple
from app.practice.models import Practice
from tests.records.records_data import individual_record
from tests.web.conftest import Browser


def test_the_client_page_offers_erasing_to_the_owner_only(client, factory, as_owner, owner):
    person = factory.client(owner)
    assert f'href="/clients/{person.id}/erase"' in as_owner.get(f"/clients/{person.id}").text
    counselor = factory.counselor(factory.session.get(Practice, owner.practice_id))
    theirs = factory.client(counselor)
    other = Browser(client, counselor)
    assert "/erase" not in other.get(f"/clients/{theirs.id}").text
    assert other.get(f"/clients/{theirs.id}/erase").status_code == 403
    assert other.post(f"/clients/{theirs.id}/erase", {"confirm_name": "Alex Rivera"}).status_code == 403
    assert factory.session.get(Client, theirs.id).erased_at is None


def test_a_mistaken_entry_is_erased_after_typing_its_name(db, factory, as_owner, owner):
    person = factory.client(owner, first="Alex", last="Rivera", email="alex@example.test")
    page = as_owner.get(f"/clients/{person.id}/erase")
    assert page.status_code == 200 and "A mistaken entry" in page.text and "Type “Alex Rivera” to confirm" in page.text
    wrong = as_owner.post(f"/clients/{person.id}/erase", {"confirm_name": "Alex"})
    assert wrong.status_code == 422 and "Type Alex Rivera exactly to confirm" in wrong.text
    done = as_owner.post(f"/clients/{person.id}/erase", {"confirm_name": "Alex Rivera"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/clients/{person.id}?notice=record-erased"
    shown = as_owner.get(done.headers["location"]).text
    assert f"Erased client #{person.id}" in shown and "alex@example.test" not in shown and "Erased." in shown
    db.expire_all()
    assert db.get(Client, person.id).erased_at is not None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "erase")).one().entity_id == person.id


def test_a_client_of_record_is_refused_with_the_date(db, factory, as_owner, owner):
    person = individual_record(db, factory, owner, discharged=datetime(2025, 6, 1, 12, tzinfo=UTC))
    page = as_owner.get(f"/clients/{person.id}/erase")
    assert page.status_code == 409
    assert "can't be erased now" in page.text and "it can be erased from 2 Jun 2032" in page.text
    assert "confirm_name" not in page.text
    posted = as_owner.post(f"/clients/{person.id}/erase", {"confirm_name": "Alex Rivera"})
    assert posted.status_code == 409
    db.expire_all()
    assert db.get(Client, person.id).erased_at is None


def test_a_partner_is_sent_to_the_couple_first(db, factory, as_owner, owner):
    couple = factory.couple(owner)
    page = as_owner.get(f"/clients/{couple.partner_a_id}/erase")
    assert page.status_code == 409 and f'href="/couples/{couple.id}/erase"' in page.text
    couple_page = as_owner.get(f"/couples/{couple.id}/erase")
    assert couple_page.status_code == 200 and "Type “Jamie &amp; Robin Lee” to confirm" in couple_page.text
    done = as_owner.post(f"/couples/{couple.id}/erase", {"confirm_name": "Jamie & Robin Lee"}, follow_redirects=False)
    assert done.status_code == 303
    db.expire_all()
    assert db.get(Couple, couple.id).erased_at is not None
    assert as_owner.get(f"/clients/{couple.partner_a_id}/erase").status_code == 200


def test_the_settings_page_sets_the_retention_period(db, as_owner, owner):
    page = as_owner.get("/settings")
    assert 'name="retention_years"' in page.text and 'value="7"' in page.text
    form = {"name": "Quiet Harbour", "timezone": "UTC", "link_days": "7", "retention_years": "10",
            "retention_auto_purge": "on"}
    assert as_owner.post("/settings", form, follow_redirects=False).status_code == 303
    db.rollback()
    practice = db.get(Practice, owner.practice_id)
    assert (practice.retention_years, practice.retention_auto_purge) == (10, True)
    bad = as_owner.post("/settings", {**form, "retention_years": "0"})
    assert bad.status_code == 422 and "Keep records for" in bad.text
    off = as_owner.post("/settings", {**form, "retention_years": "8", "retention_auto_purge": ""},
                        follow_redirects=False)
    assert off.status_code == 303, off.text
    db.rollback()
    assert db.get(Practice, owner.practice_id).retention_auto_purge is False


def test_the_practice_api_sets_the_retention_period(client, db, factory, owner):
    headers = factory.headers(owner)
    assert client.get("/api/v1/practice", headers=headers).json()["retention_years"] == 7
    changed = client.patch("/api/v1/practice", json={"retention_years": 12, "retention_auto_purge": True},
                           headers=headers)
    assert changed.status_code == 200 and changed.json()["retention_years"] == 12
    assert client.patch("/api/v1/practice", json={"retention_years": 31}, headers=headers).status_code == 422
    counselor = factory.counselor(db.get(Practice, owner.practice_id))
    assert client.patch("/api/v1/practice", json={"retention_years": 2},
                        headers=factory.headers(counselor)).status_code == 403


def test_the_couple_page_offers_erasing_to_the_owner_only(client, factory, as_owner, owner):
    couple = factory.couple(owner)
    assert f'href="/couples/{couple.id}/erase"' in as_owner.get(f"/couples/{couple.id}").text
    counselor = factory.counselor(factory.session.get(Practice, owner.practice_id))
    theirs = factory.couple(counselor)
    assert "/erase" not in Browser(client, counselor).get(f"/couples/{theirs.id}").text
