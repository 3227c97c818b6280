"""Another practice's (or another counselor's) records are a 404 page, never a 403."""

from __future__ import annotations

import pytest

from app.practice.models import Practice
from tests.web.conftest import Browser
from tests.web.helpers import send_link


@pytest.fixture
def theirs(factory, db):  # type: ignore[no-untyped-def]
    """A couple with a session, an agreement and a link in a different practice."""
    other = factory.owner()
    couple = factory.couple(other)
    therapy = factory.therapy_session(couple)
    agreement = factory.agreement(couple)
    administration, _ = send_link(db, other, couple)
    return {"couple": couple, "session": therapy, "agreement": agreement, "administration": administration}


def _urls(t):  # type: ignore[no-untyped-def]
    c = t["couple"]
    return [
        f"/couples/{c.id}", f"/clients/{c.partner_a_id}", f"/clients/{c.partner_a_id}/edit",
        f"/sessions/{t['session'].id}", f"/agreements/{t['agreement'].id}",
        f"/administrations/{t['administration'].id}", f"/couples/{c.id}/send", f"/couples/{c.id}/report",
        f"/couples/{c.id}/sessions/new", f"/couples/{c.id}/agreements/new",
    ]


def _posts(t):  # type: ignore[no-untyped-def]
    c = t["couple"]
    return [
        (f"/clients/{c.partner_a_id}/edit", {"first_name": "X", "last_name": "Y"}),
        (f"/clients/{c.partner_a_id}/discharge", {}),
        (f"/sessions/{t['session'].id}/note", {"note_data": "x"}),
        (f"/sessions/{t['session'].id}/addenda", {"text": "x"}),
        (f"/sessions/{t['session'].id}/checkins", {}),
        (f"/agreements/{t['agreement'].id}/status", {"status": "kept"}),
        (f"/agreements/{t['agreement'].id}/retire", {}),
        (f"/administrations/{t['administration'].id}/revoke", {}),
        (f"/administrations/{t['administration'].id}/resend", {}),
        (f"/couples/{c.id}/send", {"instrument_id": "trust-rebuilding", "client_ids": str(c.partner_a_id)}),
        (f"/couples/{c.id}/report/pdf", {}),
        (f"/couples/{c.id}/report/preview", {}),
        (f"/couples/{c.id}/agreements/new", {"kind": "rule", "title": "x"}),
    ]


@pytest.mark.parametrize("role", ["owner", "counselor"])
def test_another_practice_is_not_found(client, factory, theirs, role):
    me = factory.owner() if role == "owner" else factory.counselor()
    browser = Browser(client, me)
    for url in _urls(theirs):
        response = browser.get(url)
        assert response.status_code == 404, url
        assert "text/html" in response.headers["content-type"]
        assert "Lee" not in response.text  # no partner name leaks
    for url, data in _posts(theirs):
        assert browser.post(url, data).status_code == 404, url


def test_a_counselor_sees_only_their_caseload(client, factory, db):
    owner = factory.owner()
    practice = db.get(Practice, owner.practice_id)
    mine = factory.counselor(practice)
    other = factory.counselor(practice)
    their_couple = factory.couple(other)
    browser = Browser(client, mine)
    assert browser.get(f"/couples/{their_couple.id}").status_code == 404
    owner_browser = Browser(client, owner)
    assert owner_browser.get(f"/couples/{their_couple.id}").status_code == 200


PUBLIC_PREFIXES = ("/q/", "/q-static/", "/static/", "/login", "/healthz", "/docs", "/redoc", "/openapi.json")


def _web_routes():  # type: ignore[no-untyped-def]
    from app.main import create_app
    from tests.routes import iter_routes

    return sorted(
        (method, r.path) for r in iter_routes(create_app())
        if not r.path.startswith("/api/") and not r.path.startswith(PUBLIC_PREFIXES) and r.path != "/q/form"
        for method in r.methods
    )


def test_every_page_route_needs_a_session(client):  # type: ignore[no-untyped-def]
    import re

    routes = _web_routes()
    assert len(routes) >= 30
    for method, path in routes:
        url = re.sub(r"\{\w+(:\w+)?\}", "1", path)
        response = client.request(method, url, follow_redirects=False)
        if path == "/logout":
            assert response.status_code in (303, 403), f"{method} {path}: {response.status_code}"
            continue
        if method == "GET":
            assert response.status_code == 303, f"{method} {path}: {response.status_code}"
            expected = "/dashboard" if path == "/" else "/login"  # "/" just forwards
            assert response.headers["location"].startswith(expected), path
        else:  # a POST without a session is refused before anything else happens
            assert response.status_code in (303, 403), f"{method} {path}: {response.status_code}"


WORDS = {"action": "resolve"}  # path parameters that are words, not ids


def test_every_page_route_with_an_id_hides_another_practice(client, factory):  # type: ignore[no-untyped-def]
    import re

    from tests.isolation_records import build_foreign_records

    foreign = build_foreign_records(factory, "Zzyzxmarker")
    browser = Browser(client, factory.owner())
    checked = 0
    for method, path in _web_routes():
        if "{" not in path:
            continue
        # "{client_id:int}" as well as "{client_id}": the web routes declare a converter
        url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(foreign.ids.get(m.group(1), WORDS.get(m.group(1)))), path)
        assert "{" not in url, url
        response = browser.get(url) if method == "GET" else browser.post(url, {})
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"
        assert "Zzyzxmarker" not in response.text
        checked += 1
    assert checked >= 20
