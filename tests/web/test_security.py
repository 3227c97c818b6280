"""CSRF on every state-changing form, security headers, static files, API errors stay JSON."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.clients.models import Client
from app.security_headers import CSP
from app.sessions.models import TherapySession
from tests.web.conftest import Browser


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_client_form_without_a_valid_token_is_refused_and_saves_nothing(client, factory, db, token):
    Browser(client, factory.counselor())
    data = {"first_name": "Nora", "last_name": "Hale"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/clients/new", data=data)
    assert response.status_code == 403
    assert "Nothing was saved" in response.text
    assert db.exec(select(Client).where(Client.first_name == "Nora")).first() is None


def test_a_token_from_another_session_is_refused(client, factory, db):
    couple = factory.couple(me := factory.counselor())
    therapy = factory.therapy_session(couple, note_data="original")
    first = Browser(client, me)
    old_token = first.token
    first.post("/logout")
    Browser(client, me)  # a new session: new CSRF token
    response = client.post(f"/sessions/{therapy.id}/note", data={"csrf_token": old_token, "note_data": "changed"})
    assert response.status_code == 403
    db.rollback()  # end the read snapshot, see what the app committed
    db.expire_all()
    assert db.get(TherapySession, therapy.id).note_data == "original"


def test_cross_origin_post_is_refused_even_with_a_token(client, factory):
    browser = Browser(client, factory.counselor())
    response = browser.post("/clients/new", {"first_name": "A", "last_name": "B"},
                            headers={"Origin": "https://evil.test"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/login", "/dashboard", "/clients", "/nope"])
def test_html_pages_carry_the_security_headers(client, factory, path):
    Browser(client, factory.counselor())
    response = client.get(path)
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(as_owner, factory, owner):
    couple = factory.couple(owner)
    for path in ("/dashboard", f"/couples/{couple.id}", "/clients/new"):
        html = as_owner.get(path).text
        assert "<script>" not in html and " style=" not in html and "<style" not in html
        assert 'lang="en"' in html and 'href="#main"' in html


def test_static_files_have_their_content_types(client):
    css = client.get("/static/mend.css")
    assert css.status_code == 200 and css.headers["content-type"] == "text/css; charset=utf-8"
    js = client.get("/static/copy.js")
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"


@pytest.mark.parametrize("path", ["/static/../main.py", "/static/%2e%2e/main.py", "/static/..%2fdeps.py",
                                  "/static/nothing.css", "/static/"])
def test_static_never_leaves_its_folder(client, path):
    assert client.get(path).status_code == 404


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/clients")
    assert response.status_code == 401 and response.json()["detail"]
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert "content-security-policy" not in missing.headers


def test_unknown_page_is_an_html_404(client):
    response = client.get("/couples/not-a-number")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
