"""Export buttons: the couple's and the client's page give their record as a zip, for the owner or the
record's counselor only; the practice export is the owner's."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from tests.records.export_seed import Seeded, record_of, seed, unzip
from tests.web.conftest import Browser


@pytest.fixture
def seeded(factory, db: Session) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(factory, db)


def test_the_couples_page_offers_the_export_and_it_downloads(client, seeded: Seeded, db: Session) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(client, seeded.counselor)
    page = browser.get(f"/couples/{seeded.couple.id}")
    assert f'action="/couples/{seeded.couple.id}/export"' in page.text
    got = browser.post(f"/couples/{seeded.couple.id}/export")
    assert got.status_code == 200, got.text[:300]
    assert got.headers["content-type"] == "application/zip" and got.headers["cache-control"] == "no-store"
    assert got.headers["content-disposition"].startswith('attachment; filename="mend-couple-')
    assert record_of(got.content)["couple"]["id"] == seeded.couple.id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.entity, event.entity_id, event.detail["via"]) == ("couple", seeded.couple.id, "web")


def test_the_clients_page_offers_their_own_record(client, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(client, seeded.owner)
    assert f'action="/clients/{seeded.a.id}/export"' in browser.get(f"/clients/{seeded.a.id}").text
    got = browser.post(f"/clients/{seeded.a.id}/export")
    assert got.status_code == 200
    doc = record_of(got.content)
    assert doc["kind"] == "client" and "B-COUPLE-FLAG" not in json.dumps(doc)


@pytest.mark.parametrize("who", ["other", "stranger"])
def test_another_caseload_or_practice_gets_a_404(client, seeded: Seeded, db: Session, who: str) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(client, getattr(seeded, who))
    for url in (f"/couples/{seeded.couple.id}/export", f"/clients/{seeded.a.id}/export", "/couples/999999/export"):
        got = browser.post(url)
        assert got.status_code == 404 and got.headers["content-type"].startswith("text/html")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_an_export_needs_the_forms_csrf_token(client, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(client, seeded.counselor)
    got = browser.client.post(f"/couples/{seeded.couple.id}/export", data={})
    assert got.status_code == 403 and "zip" not in got.headers["content-type"]


def test_the_practice_export_is_the_owners(client, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    counselor = Browser(client, seeded.counselor)
    assert counselor.get("/practice/export").status_code == 403
    assert counselor.post("/practice/export").status_code == 403
    owner = Browser(client, seeded.owner)
    assert 'href="/practice/export"' in owner.get("/settings").text  # reached from the practice's settings
    assert 'action="/practice/export"' in owner.get("/practice/export").text
    got = owner.post("/practice/export")
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    tables = json.loads(unzip(got.content)["practice.json"])["tables"]
    assert len(tables["report_file"]) == 4 and len(tables["client"]) == 2
