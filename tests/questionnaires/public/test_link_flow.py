"""The private link end to end: open, save page by page, resume, submit once, thank you."""

from __future__ import annotations

import hmac
from datetime import timedelta
from unittest import mock

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import utcnow
from app.questionnaires.models import Administration, Response, Score
from app.scoring import score_administration
from tests.questionnaires.helpers import (
    csrf_of,
    fill_in_link,
    give,
    open_form,
    path_of,
    post_section,
    trust,
    uniform_answers,
)

CSP = "default-src 'none'; style-src 'self'"


def _setup(factory, client):
    counselor = factory.counselor()
    someone = factory.client(counselor, first="Maya", last="Okafor")
    headers = factory.headers(counselor)
    return counselor, someone, headers


def _varied(definition):
    # Points cycle 1..5 so subscales get different means and reverse keying matters.
    return {item.id: (i % 5) + 1 for i, item in enumerate(definition.items)}


def test_full_link_flow_with_resume_and_scores(client, factory, db):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    assert created["link"].startswith("http://testserver/q/") and created["status"] == "pending"
    definition, answers = trust(), _varied(trust())

    opened = client.get(path_of(created["link"]), follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/q/form"
    cookie = next(c for c in opened.headers.get_list("set-cookie") if c.startswith("mend_q=")).lower()
    # A browser-session cookie (no max-age: it dies with the browser) that says nothing by itself.
    # Lax, so a link clicked in a webmail (a cross-site navigation) still carries it to /q/form.
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/q" in cookie and "max-age=" not in cookie
    token = path_of(created["link"]).rsplit("/", 1)[1]
    assert token not in opened.headers["set-cookie"]  # the cookie holds a signed reference, not the token

    first = open_form(client, created["link"])
    assert first.status_code == 200 and "Hi Maya" in first.text and "Okafor" not in first.text
    assert f"Section 1 of {len(trust().sections) + 1}" in first.text and "partner won" in first.text
    assert post_section(client, first.text, definition, 0, answers).status_code == 303

    # The tab is closed: a fresh browser with only the link resumes at section 2, pre-filled later.
    with TestClient(client.app) as fresh:
        resumed = open_form(fresh, created["link"])
        assert f"Section 2 of {len(trust().sections) + 1}" in resumed.text
        back = fresh.get("/q/form?page=1")
        item = definition.sections[0].items[0].id
        assert f'id="f-{item}-{answers[item] - 1}" value="{answers[item]}" checked' in back.text
        thanks = fill_in_link(fresh, created["link"], answers)
    assert thanks.status_code == 200 and "Thank you, Maya" in thanks.text
    assert definition.items[0].text not in thanks.text  # no answers or questions after submission

    row = db.exec(select(Administration).where(Administration.id == created["id"])).one()
    assert row.status == "submitted" and row.submitted_at is not None
    expected = score_administration(definition, answers).subscales
    stored = {s.subscale: s for s in db.exec(select(Score).where(Score.administration_id == row.id))}
    assert set(stored) == set(expected)
    for sid, score in expected.items():
        assert stored[sid].mean == score.mean and stored[sid].band == score.band and stored[sid].scored
    assert len(db.exec(select(Response).where(Response.administration_id == row.id)).all()) == len(answers)


def test_every_q_page_sends_privacy_headers_and_css_is_served(client, factory):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    responses = [client.get(path_of(created["link"]), follow_redirects=False), client.get("/q/form"),
                 client.get("/q/not-a-token"), open_form(client, created["link"]), client.get("/q/leave")]
    for response in responses:
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-robots-tag"].startswith("noindex")
        assert response.headers["content-security-policy"].startswith(CSP)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page = responses[3].text
    assert "<script>" not in page and 'name="viewport"' in page  # no inline script: the CSP forbids it
    css_url = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    js_url = page.split('<script src="', 1)[1].split('"', 1)[0]
    for url, kind in ((css_url, "text/css"), (js_url, "text/javascript")):
        asset = client.get(url)
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        assert "max-age=31536000" in asset.headers["cache-control"]
    assert client.get("/q-static/secrets.txt").status_code == 404


def test_required_error_keeps_typed_input_and_links_the_summary(client, factory, db):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    page = open_form(client, created["link"])
    definition = trust()
    items = definition.sections[0].items
    partial = {items[0].id: 4, items[1].id: 2}  # the rest left blank
    response = post_section(client, page.text, definition, 0, partial)
    assert response.status_code == 422
    html = response.text
    assert "error-summary" in html and f'href="#f-{items[2].id}-0"' in html
    assert f'aria-describedby="e-{items[2].id}"' in html
    assert f'id="f-{items[0].id}-3" value="4" checked' in html  # what was chosen is still chosen
    # ... and it was saved, so closing the tab now would lose nothing.
    saved = db.exec(select(Response).where(Response.administration_id == created["id"])).all()
    assert {r.item_id: r.value for r in saved} == partial


def test_invalid_raw_text_is_shown_again():
    """Text items (intake) keep exactly what was typed when it fails validation."""
    from app.instruments.answers import parse_section
    from app.instruments.catalog import default_catalog
    from app.questionnaires.public.form_view import fields

    intake = default_catalog().latest("couples-intake")
    section = intake.section("relationship")
    values, errors = parse_section(intake, "relationship", {"children": ["lots"]})
    shown = {f.id: f for f in fields(intake, section, values, errors)}
    assert shown["children"].value == "lots" and shown["children"].error


def test_expired_link_shows_invalid_page(client, factory, db):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id, expires_in_days=1)
    row = db.get(Administration, created["id"])
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.commit()
    response = client.get(path_of(created["link"]), follow_redirects=False)
    assert response.status_code == 404 and "can't be used" in response.text
    assert client.get(f"/api/v1/administrations/{created['id']}", headers=headers).json()["status"] == "expired"


def test_revoked_link_and_cookie_stop_working(client, factory):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    assert open_form(client, created["link"]).status_code == 200
    revoked = client.post(f"/api/v1/administrations/{created['id']}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert client.get("/q/form").status_code == 404
    assert client.get(path_of(created["link"]), follow_redirects=False).status_code == 404


def test_resend_kills_old_link_and_keeps_saved_answers(client, factory):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    definition = trust()
    post_section(client, open_form(client, created["link"]).text, definition, 0, uniform_answers(definition, 3))
    again = client.post(f"/api/v1/administrations/{created['id']}/resend", headers=headers,
                        json={"expires_in_days": 3})
    assert again.status_code == 200 and again.json()["link"] != created["link"]
    assert client.get("/q/form").status_code == 404  # the cookie from the old link is dead too
    assert client.get(path_of(created["link"]), follow_redirects=False).status_code == 404
    assert again.json()["reset_code"] is None  # not locked: her passcode stays and opens the new link
    assert f"Section 2 of {len(trust().sections) + 1}" in open_form(client, again.json()["link"]).text


def test_double_submit_stores_one_submission(client, factory, db):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    review = fill_in_link(client, created["link"], uniform_answers(trust(), 4), submit=False)
    data = {"_csrf": csrf_of(review.text), "_section": "_review", "_action": "submit"}
    first = client.post("/q/form", data=data, follow_redirects=False)
    second = client.post("/q/form", data=data, follow_redirects=False)
    assert first.status_code == 303 and second.status_code == 200 and "Thank you" in second.text
    scores = db.exec(select(Score).where(Score.administration_id == created["id"])).all()
    assert len(scores) == len(trust().subscales)


def test_post_without_csrf_is_refused(client, factory, db):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    open_form(client, created["link"])
    definition = trust()
    data = {"_csrf": "forged", "_section": definition.sections[0].id, definition.items[0].id: "3"}
    assert client.post("/q/form", data=data).status_code == 403
    assert not db.exec(select(Response)).all()


def test_token_lookup_compares_in_constant_time(client, factory):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    target = "app.questionnaires.administrations.links.hmac.compare_digest"
    with mock.patch(target, wraps=hmac.compare_digest) as compared:
        assert client.get(path_of(created["link"]), follow_redirects=False).status_code == 303
    assert compared.called
    stored, computed = compared.call_args_list[0].args
    assert stored == computed and len(stored) == 64  # the SHA-256 hashes, not the raw token


def test_review_lists_missing_required_items(client, factory):
    _, maya, headers = _setup(factory, client)
    created = give(client, headers, maya.id)
    open_form(client, created["link"])
    review = client.get("/q/form?page=review")
    assert "Check your answers, Maya" in review.text
    sent = client.post("/q/form", data={"_csrf": csrf_of(review.text), "_section": "_review",
                                        "_action": "submit"})
    assert sent.status_code == 422 and "please answer this" in sent.text
    assert 'href="#r-' in sent.text


def test_every_section_has_its_heading_and_the_error_list_comes_first(client, factory):
    _, someone, headers = _setup(factory, client)
    link = give(client, headers, someone.id)["link"]
    definition = trust()
    first = open_form(client, link)
    assert first.text.count("<h1>") == 1 and "Hi Maya," in first.text
    moved = post_section(client, first.text, definition, 0, uniform_answers(definition, 3))
    assert moved.status_code == 303
    second = client.get("/q/form")
    assert second.text.count("<h1>") == 1 and "Hi Maya," not in second.text  # greeted once, titled on every page
    wrong = post_section(client, second.text, definition, 1, {})  # every required answer missing
    assert wrong.status_code == 422
    assert wrong.text.index('class="error-summary"') < wrong.text.index("<h1>")
