"""Privacy: one token opens one administration, partners never see each other, other practices see nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from app.db import utcnow
from app.questionnaires.models import Administration
from tests.questionnaires.helpers import csrf_of, fill_in_link, give, open_form, path_of, trust, uniform_answers


def _couple_with_links(client, factory):
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Quentin"))
    headers = factory.headers(counselor)
    a = give(client, headers, couple.partner_a_id, couple_id=couple.id)
    b = give(client, headers, couple.partner_b_id, couple_id=couple.id)
    return counselor, couple, headers, a, b


def test_a_token_opens_exactly_its_own_administration(client, factory, db):
    _, couple, _, a, b = _couple_with_links(client, factory)
    page = open_form(client, a["link"])
    assert "Hi Maya" in page.text and "Quentin" not in page.text
    with TestClient(client.app) as other:
        assert "Hi Quentin" in open_form(other, b["link"]).text
        assert csrf_of(other.get("/q/form").text) != csrf_of(page.text)
    assert db.get(Administration, a["id"]).client_id == couple.partner_a_id


def test_partner_a_never_sees_partner_b(client, factory):
    _, _, _, a, b = _couple_with_links(client, factory)
    definition = trust()
    # B answers everything with "Strongly disagree" and submits.
    with TestClient(client.app) as partner_b:
        fill_in_link(partner_b, b["link"], uniform_answers(definition, 1))
    # A walks every page of their own form, including the review step.
    assert "Hi Maya" in open_form(client, a["link"]).text
    pages = [client.get(f"/q/form?page={n}").text for n in range(1, len(definition.sections) + 1)]
    pages.append(client.get("/q/form?page=review").text)
    for html in pages:
        assert "Quentin" not in html and "Lee" not in html  # no partner name, no surname
        # nothing of B's answers is pre-filled on A's form (the sharing question's default aside)
        chosen = [tag for tag in re.findall(r"<input[^>]*>", html) if " checked" in tag]
        assert [tag for tag in chosen if 'name="share' not in tag] == []
        assert "Strongly disagree (1)" not in html and "submitted" not in html.lower()


def test_thank_you_page_shows_no_answers(client, factory):
    _, _, _, a, _ = _couple_with_links(client, factory)
    thanks = fill_in_link(client, a["link"], uniform_answers(trust(), 2))
    assert "Thank you" in thanks.text
    assert "Disagree" not in thanks.text and trust().items[0].text not in thanks.text
    assert "<form" not in thanks.text


def test_invalid_page_is_identical_for_unknown_expired_revoked_and_used(client, factory, db):
    _, _, headers, a, b = _couple_with_links(client, factory)
    counselor2 = factory.counselor()
    third = give(client, factory.headers(counselor2), factory.client(counselor2).id)
    fill_in_link(client, a["link"], uniform_answers(trust(), 3))  # used
    client.post(f"/api/v1/administrations/{b['id']}/revoke", headers=headers)  # revoked
    row = db.get(Administration, third["id"])
    row.expires_at = utcnow() - timedelta(seconds=1)  # expired
    db.add(row)
    db.commit()
    links = ["/q/" + "x" * 43, path_of(a["link"]), path_of(b["link"]), path_of(third["link"])]
    with TestClient(client.app) as fresh:
        answers = [fresh.get(link, follow_redirects=False) for link in links]
    assert {r.status_code for r in answers} == {404}
    assert len({r.text for r in answers}) == 1
    assert "Maya" not in answers[0].text and "Quentin" not in answers[0].text


def test_other_practice_gets_404_on_every_administration_route(client, factory):
    _, couple, _, a, _ = _couple_with_links(client, factory)
    stranger = factory.headers(factory.owner())
    ident = a["id"]
    routes = [
        ("get", f"/api/v1/administrations/{ident}", None),
        ("post", f"/api/v1/administrations/{ident}/revoke", None),
        ("post", f"/api/v1/administrations/{ident}/resend", None),
        ("get", f"/api/v1/administrations/{ident}/answers", None),
        ("put", f"/api/v1/administrations/{ident}/answers", {"answers": {"tr1": 3}}),
        ("post", f"/api/v1/administrations/{ident}/submit", None),
        ("get", f"/api/v1/clients/{couple.partner_a_id}/administrations", None),
        ("get", f"/api/v1/couples/{couple.id}/administrations", None),
        ("get", f"/api/v1/couples/{couple.id}/scores?instrument_id=trust-rebuilding", None),
    ]
    for method, url, body in routes:
        response = client.request(method, url, headers=stranger, json=body)
        assert response.status_code == 404, (method, url, response.text)


def test_no_response_body_contains_token_hash(client, factory):
    _, couple, headers, a, _ = _couple_with_links(client, factory)
    again = client.post(f"/api/v1/administrations/{a['id']}/resend", headers=headers)
    bodies = [
        str(a), again.text,
        client.get(f"/api/v1/administrations/{a['id']}", headers=headers).text,
        client.get(f"/api/v1/couples/{couple.id}/administrations", headers=headers).text,
        client.get(f"/api/v1/administrations/{a['id']}/answers", headers=headers).text,
        client.post(f"/api/v1/administrations/{a['id']}/revoke", headers=headers).text,
    ]
    for body in bodies:
        assert "token_hash" not in body and "definition_checksum" not in body
