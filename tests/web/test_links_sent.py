"""Sending answers with a redirect: a reload of the links page shows the same links (and a reset's
one-time code) and never sends again; the handoff cookie can't be forged or carried to another
counselor's caseload."""

from __future__ import annotations

import re

from sqlmodel import func, select

from app.questionnaires.models import Administration, Response
from app.web.handoff import COOKIE
from tests.web.conftest import Browser

LINK = re.compile(r'value="(http://testserver/q/[A-Za-z0-9_\-]+)"')
CODE = re.compile(r'class="code" id="code-\d+">([A-Z0-9]{4}-[A-Z0-9]{4})<')


def _count(db) -> int:  # type: ignore[no-untyped-def]
    db.rollback()
    return db.exec(select(func.count()).select_from(Administration)).one()


def test_send_redirects_and_a_reload_sends_nothing(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    posted = browser.post(f"/couples/{couple.id}/send", {
        "instrument_id": "trust-rebuilding", "client_ids": [str(couple.partner_a_id), str(couple.partner_b_id)],
    }, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == "/links/sent"
    cookie = posted.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/links/sent" in cookie
    assert "Max-Age=900" in cookie
    first = browser.get("/links/sent").text
    links = LINK.findall(first)
    assert len(links) == 2 and _count(db) == 2
    again = browser.get("/links/sent").text  # the reload
    assert LINK.findall(again) == links and _count(db) == 2
    assert f'href="/couples/{couple.id}">Done' in again


def test_a_reset_code_survives_a_reload_and_only_in_the_encrypted_cookie(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding",
                                                "client_ids": str(couple.partner_a_id)})
    administration = db.exec(select(Administration)).one()
    db.add(Response(practice_id=administration.practice_id, administration_id=administration.id,
                    item_id="t1", value=3))
    db.commit()
    posted = browser.post(f"/administrations/{administration.id}/resend", {"reset_passcode": "yes"},
                          follow_redirects=False)
    assert posted.status_code == 303
    shown = browser.get("/links/sent").text
    code = CODE.findall(shown)
    assert len(code) == 1 and "Passcode reset" in shown
    assert code[0] not in posted.headers["set-cookie"] and code[0].replace("-", "") not in posted.headers["set-cookie"]
    assert CODE.findall(browser.get("/links/sent").text) == code  # a reload shows it again


def test_no_handoff_or_a_forged_one_shows_where_to_look(client, factory):
    me = factory.counselor()
    browser = Browser(client, me)
    empty = browser.get("/links/sent")
    assert empty.status_code == 200 and "There are no links to show here now" in empty.text
    client.cookies.set(COOKIE, "not-a-real-handoff", path="/links/sent")
    forged = browser.get("/links/sent")
    assert forged.status_code == 200 and "There are no links to show here now" in forged.text
    assert 'href="/dashboard">Done' in forged.text


def test_a_handoff_carried_to_another_counselor_shows_nothing_of_the_first(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding",
                                                "client_ids": str(couple.partner_a_id)})
    carried = client.cookies.get(COOKIE)
    assert carried
    other = Browser(client, factory.counselor())  # another practice; signs in afresh
    client.cookies.set(COOKIE, carried, path="/links/sent")
    page = other.get("/links/sent").text
    assert not LINK.findall(page) and "Jamie" not in page


def test_a_revoked_link_is_not_shown_again(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding",
                                                "client_ids": str(couple.partner_a_id)})
    administration = db.exec(select(Administration)).one()
    browser.post(f"/administrations/{administration.id}/revoke")
    page = browser.get("/links/sent").text
    assert not LINK.findall(page) and "This link no longer works" in page
