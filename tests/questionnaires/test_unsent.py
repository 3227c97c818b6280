"""Unsent means unsent: until the client sends a link, no counselor surface shows an answer.

The walk saves answers on two links (a scale questionnaire and an intake with free text),
then reads every API route and page that shows questionnaires, flags, scores, reports or the
audit trail, and looks for each saved value and its display text. The same walk after the
client sends proves the detector sees them when they are allowed to show.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.instruments.answers import answer_text
from app.instruments.catalog import default_catalog
from app.questionnaires.administrations import service
from app.questionnaires.models import AdministrationFlag
from app.questionnaires.schemas import AdministrationCreate
from app.questionnaires.submission import answering
from tests.questionnaires.helpers import TRUST, trust, uniform_answers
from tests.web.conftest import Browser

SECRET = "Zanzibar marigold, what I never told anyone"
FLAG_MESSAGE = "Zephyr: says they feel unsafe at home"


def _linked(db, counselor, couple, client_id: int, instrument_id: str, values: dict[str, Any]):
    data = AdministrationCreate(client_id=client_id, couple_id=couple.id, instrument_id=instrument_id)
    administration, _ = service.create_administration(db, actor=counselor, data=data)
    definition = default_catalog().get(administration.instrument_id, administration.instrument_version)
    answering.save_answers(db, administration_id=administration.id, values=values,
                           reached=definition.sections[1].id)
    db.commit()
    return administration


@pytest.fixture
def unsent(factory, db):  # type: ignore[no-untyped-def]
    owner = factory.owner()
    couple = factory.couple(owner, names=("Maya", "Quentin"))
    trust_values = uniform_answers(trust(), 3)
    intake = default_catalog().latest("couples-intake")
    intake_values = {"preferred_name": "Mayabelle", "goals_in_words": SECRET, "support_people": SECRET + " too"}
    scale = _linked(db, owner, couple, couple.partner_a_id, TRUST, trust_values)
    words = _linked(db, owner, couple, couple.partner_b_id, intake.id, intake_values)
    factory._save(AdministrationFlag(
        practice_id=owner.practice_id, administration_id=scale.id, client_id=couple.partner_a_id,
        couple_id=couple.id, item_id="es4", severity="high", message=FLAG_MESSAGE))
    shown = {answer_text(trust(), item, trust_values[item.id]) for item in trust().items if item.id in trust_values}
    shown |= {answer_text(intake, item, intake_values[item.id]) for item in intake.items if item.id in intake_values}
    shown |= set(intake_values.values())
    return {"owner": owner, "couple": couple, "scale": scale, "words": words, "shown": shown,
            "values": {scale.id: trust_values, words.id: intake_values}}


def _json_bodies(client, factory, w) -> dict[str, str]:  # type: ignore[no-untyped-def]
    headers = factory.headers(w["owner"])
    c = w["couple"]
    gets = [f"/api/v1/administrations/{w['scale'].id}", f"/api/v1/administrations/{w['words'].id}",
            f"/api/v1/administrations/{w['scale'].id}/answers", f"/api/v1/administrations/{w['words'].id}/answers",
            f"/api/v1/clients/{c.partner_a_id}/administrations", f"/api/v1/clients/{c.partner_b_id}/administrations",
            f"/api/v1/couples/{c.id}/administrations", f"/api/v1/couples/{c.id}/scores",
            "/api/v1/flags", "/api/v1/flags?status=all", "/api/v1/audit-events"]
    bodies = {}
    for url in gets:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text[:300])
        bodies[url] = response.text
    preview = client.post(f"/api/v1/couples/{c.id}/reports/preview", json={}, headers=headers)
    assert preview.status_code == 200, preview.text[:300]
    bodies["report preview (API)"] = preview.text
    return bodies


def _pages(client, w) -> dict[str, str]:  # type: ignore[no-untyped-def]
    browser = Browser(client, w["owner"])
    c = w["couple"]
    flag = next(iter(w["flags"])) if w.get("flags") else None
    urls = ["/dashboard", f"/couples/{c.id}", f"/clients/{c.partner_a_id}", f"/clients/{c.partner_b_id}",
            f"/administrations/{w['scale'].id}", f"/administrations/{w['words'].id}", f"/couples/{c.id}/report",
            "/audit", "/sessions"]
    if flag:
        urls.append(f"/flags/{flag}/resolve")
    pages = {}
    for url in urls:
        response = browser.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        pages[url] = response.text
    preview = browser.post(f"/couples/{c.id}/report/preview", {"paper": "A4", "audience": "clinical"})
    assert preview.status_code == 200, preview.text[:300]
    pages["report preview (page)"] = preview.text
    return pages


def _leaks(bodies: dict[str, str], shown: set[str]) -> list[tuple[str, str]]:
    import html

    return [(where, text) for where, body in bodies.items() for text in shown
            if text in body or html.escape(text) in body]


def test_no_surface_shows_an_unsent_answer(client, factory, db, unsent):
    flags = db.exec(select(AdministrationFlag.id).where(
        AdministrationFlag.administration_id == unsent["scale"].id)).all()
    unsent["flags"] = flags
    bodies = {**_json_bodies(client, factory, unsent), **_pages(client, unsent)}
    assert _leaks(bodies, unsent["shown"]) == []

    api = client.get(f"/api/v1/administrations/{unsent['scale'].id}/answers",
                     headers=factory.headers(unsent["owner"])).json()
    assert api["answers_hidden"] is True and api["answers"] == []
    assert api["message"] == "Answers are shown once the client sends them"
    assert api["administration"]["answered"] == len(unsent["values"][unsent["scale"].id])
    assert api["administration"]["current_section"] == trust().sections[1].id
    assert api["administration"]["last_saved_at"] is not None
    # The one exception: a safety flag raised while saving shows, on the API and the page.
    assert FLAG_MESSAGE in [f["message"] for f in api["flags"]]
    page = bodies[f"/administrations/{unsent['scale'].id}"]
    assert "Answers are shown once the client sends them" in page and FLAG_MESSAGE in page
    assert f"Page 2 of {len(trust().sections)}" in page
    assert FLAG_MESSAGE in bodies["/dashboard"] and FLAG_MESSAGE in bodies[f"/couples/{unsent['couple'].id}"]


def test_the_walk_sees_answers_once_the_client_sends_them(client, factory, db, unsent):
    """The detector works: the same values appear once the link is submitted."""
    answering.submit(db, administration_id=unsent["words"].id, actor=None)
    answering.submit(db, administration_id=unsent["scale"].id, actor=None)
    db.commit()
    bodies = {**_json_bodies(client, factory, unsent), **_pages(client, unsent)}
    leaked = {where for where, _ in _leaks(bodies, unsent["shown"])}
    assert {f"/api/v1/administrations/{unsent['words'].id}/answers", f"/administrations/{unsent['words'].id}",
            f"/api/v1/administrations/{unsent['scale'].id}/answers",
            f"/administrations/{unsent['scale'].id}"} <= leaked
    body = client.get(f"/api/v1/administrations/{unsent['words'].id}/answers",
                      headers=factory.headers(unsent["owner"])).json()
    assert body["answers_hidden"] is False and body["message"] is None
    assert SECRET in [a["value"] for a in body["answers"]]


def test_in_session_answers_show_before_submitting(client, factory, db):
    counselor = factory.counselor()
    someone = factory.client(counselor)
    headers = factory.headers(counselor)
    made = client.post("/api/v1/administrations", headers=headers,
                       json={"client_id": someone.id, "instrument_id": TRUST, "mode": "in_session"}).json()
    client.put(f"/api/v1/administrations/{made['id']}/answers", json={"answers": {"tr1": 4}}, headers=headers)
    body = client.get(f"/api/v1/administrations/{made['id']}/answers", headers=headers).json()
    assert body["answers_hidden"] is False
    assert [a["display"] for a in body["answers"] if a["item_id"] == "tr1"] == ["Agree (4)"]
    assert "Agree (4)" in Browser(client, counselor).get(f"/administrations/{made['id']}").text


def test_reading_an_unsent_link_is_audited_on_the_api_and_the_page(client, factory, db, unsent):
    url = f"/administrations/{unsent['scale'].id}"
    assert client.get(f"/api/v1{url}/answers", headers=factory.headers(unsent["owner"])).status_code == 200
    assert Browser(client, unsent["owner"]).get(url).status_code == 200
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "read_answers",
                                              AuditEvent.entity_id == unsent["scale"].id)).all()
    assert len(events) == 2
    assert all(e.actor_id == unsent["owner"].id and e.detail == {"answers_hidden": True} for e in events)


def test_the_counselor_cannot_answer_or_send_a_link_for_the_client(client, factory, db, unsent):
    """Entering or submitting a link's answers in session would show what the client never sent."""
    headers = factory.headers(unsent["owner"])
    url = f"/api/v1/administrations/{unsent['scale'].id}"
    assert client.put(f"{url}/answers", json={"answers": {"tr1": 1}}, headers=headers).status_code == 409
    refused = client.post(f"{url}/submit", headers=headers)
    assert refused.status_code == 409 and "only the client" in refused.json()["detail"]
    db.expire_all()
    assert client.get(f"{url}/answers", headers=headers).json()["answers_hidden"] is True
    assert answering.load_answers(db, unsent["scale"].id)["tr1"] == 3
