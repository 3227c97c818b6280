"""Every page renders for owners and counselors; owner pages are closed to counselors."""

from __future__ import annotations

import pytest

from app.db import utcnow
from app.practice.models import Practice
from app.sessions.models import TherapySession
from tests.web.conftest import Browser
from tests.web.helpers import send_link, submitted


@pytest.fixture
def world(factory, db):  # type: ignore[no-untyped-def]
    owner = factory.owner()
    counselor = factory.counselor(db.get(Practice, owner.practice_id))
    couple = factory.couple(counselor)
    therapy = factory.therapy_session(couple)
    signed = factory.therapy_session(couple, status="signed", days_ago=30)
    agreement = factory.agreement(couple)
    administration, _ = send_link(db, counselor, couple)
    done = submitted(db, counselor, couple, client_id=couple.partner_b_id, value=5)
    return {"owner": owner, "counselor": counselor, "couple": couple, "session": therapy, "signed": signed,
            "agreement": agreement, "administration": administration, "submitted": done}


def _pages(w):  # type: ignore[no-untyped-def]
    c = w["couple"]
    return [
        "/dashboard", "/clients", "/clients?q=lee&status=active", "/clients/new", f"/clients/{c.partner_a_id}",
        f"/clients/{c.partner_a_id}/edit", "/couples", "/couples/new", f"/couples/{c.id}",
        f"/couples/{c.id}/sessions/new", f"/couples/{c.id}/agreements/new", f"/agreements/{w['agreement'].id}",
        "/sessions", "/sessions?q=jamie", f"/sessions/{w['session'].id}", f"/sessions/{w['signed'].id}",
        f"/couples/{c.id}/send", f"/administrations/{w['administration'].id}",
        f"/administrations/{w['submitted'].id}", f"/couples/{c.id}/report",
    ]


@pytest.mark.parametrize("role", ["owner", "counselor"])
def test_every_page_renders(client, world, role):
    browser = Browser(client, world[role])
    for url in _pages(world):
        response = browser.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        assert "<h1" in response.text and "Sign out" in response.text


def test_couple_page_shows_the_whole_picture(client, world):
    browser = Browser(client, world["counselor"])
    html = browser.get(f"/couples/{world['couple'].id}").text
    for text in ("Jamie Lee", "Robin Lee", "Infidelity", "No contact", "Trust Rebuilding Inventory",
                 "<svg", "Pending", "Submitted", "Send a questionnaire", "Progress report"):
        assert text in html, text


def test_answers_page_shows_items_scores_and_flags(client, world):
    browser = Browser(client, world["counselor"])
    html = browser.get(f"/administrations/{world['submitted'].id}").text
    assert "Strongly agree" in html or "(5)" in html
    assert "Transparency" in html and "3.40" in html  # 3 items at 5, 2 reverse-keyed at 1
    assert "afraid" in html  # es4 answered 5 raises the high safety flag


def test_dashboard_lists_flags_the_queue_and_couples_not_seen(client, world, factory):
    stale = factory.couple(world["counselor"], names=("Sam", "Alex"))
    factory.therapy_session(stale, days_ago=40)
    browser = Browser(client, world["counselor"])
    html = browser.get("/dashboard").text
    assert html.index("Open safety flags") < html.index("Your queue")
    assert "afraid" in html
    assert "Sam &amp; Alex Lee</a> · Not seen for 40 days" in html.split("Not seen in 21 days")[1]


@pytest.mark.parametrize("url", ["/settings", "/settings/counselors", "/audit"])
def test_owner_pages_are_closed_to_counselors(client, world, url):
    browser = Browser(client, world["counselor"])
    assert browser.get(url).status_code == 403
    assert "/audit" not in browser.get("/dashboard").text  # not in the navigation either
    owner = Browser(client, world["owner"])
    assert owner.get(url).status_code == 200


def test_counselors_cannot_post_owner_forms(client, world):
    browser = Browser(client, world["counselor"])
    assert browser.post("/settings", {"name": "Mine now", "timezone": "UTC"}).status_code == 403
    assert browser.post("/settings/counselors", {"full_name": "X", "email": "x@example.com",
                                                 "password": "long enough pw", "role": "owner"}).status_code == 403
    assert browser.post(f"/settings/counselors/{world['owner'].id}", {"action": "retire"}).status_code == 403


def test_couple_page_shows_the_latest_questionnaires_only(client, factory, db):
    from app.questionnaires.administrations import service
    from tests.web.helpers import send_link

    me = factory.counselor()
    couple = factory.couple(me)
    for _ in range(14):  # nobody holds two open links to one questionnaire: revoke each before the next
        administration, _ = send_link(db, me, couple)
        service.revoke_administration(db, actor=me, administration_id=administration.id)
    db.commit()
    html = Browser(client, me).get(f"/couples/{couple.id}").text
    assert "Showing the latest 12 of 14." in html


def test_sessions_list_names_couples_and_clients(client, factory):
    me = factory.counselor()
    couple = factory.couple(me, names=("Maya", "Daniel"))
    factory.therapy_session(couple)
    person = factory.client(me, first="Zoë", last="Ågren")
    factory._save(TherapySession(practice_id=me.practice_id, counselor_id=me.id, client_id=person.id,
                                 starts_at=utcnow(), attendee_ids=[person.id]))
    html = Browser(client, me).get("/sessions").text
    assert "Maya &amp; Daniel Lee" in html
    assert "Zoë Ågren" in html
