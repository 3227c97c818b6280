"""The link is not enough: a passcode only the client knows, limited tries, locks, leaving quickly."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.audit.models import AuditEvent
from app.db import utcnow
from app.practice.models import Practice
from app.questionnaires.administrations.links import COOKIE_NAME, cookie_value
from app.questionnaires.models import Administration, LinkEvent, Response
from tests.questionnaires.helpers import (
    PASSCODE,
    csrf_of,
    give,
    open_form,
    path_of,
    post_section,
    trust,
    uniform_answers,
)


def _maya(client, factory):
    counselor = factory.counselor()
    maya = factory.client(counselor, first="Maya", last="Okafor")
    headers = factory.headers(counselor)
    return maya, headers, give(client, headers, maya.id)


def _gate(http, link):
    """Open the link in this browser and return the page it lands on (the passcode page)."""
    assert http.get(path_of(link), follow_redirects=False).status_code == 303
    return http.get("/q/form")


def _try(http, page, passcode):
    return http.post("/q/passcode", data={"_csrf": csrf_of(page.text), "passcode": passcode},
                     follow_redirects=False)


def test_first_opening_asks_for_a_passcode_before_any_question(client, factory, db):
    _, _, created = _maya(client, factory)
    definition = trust()
    page = _gate(client, created["link"])
    assert page.status_code == 200 and "Choose a passcode" in page.text
    for shown in ("Maya", "Okafor", definition.title, definition.items[0].text):
        assert shown not in page.text
    # Nothing of the form is reachable, by address or by post, before the passcode.
    assert "Choose a passcode" in client.get("/q/form?page=review").text
    data = {"_csrf": csrf_of(page.text), "_section": definition.sections[0].id, definition.items[0].id: "3"}
    assert client.post("/q/form", data=data, follow_redirects=False).headers["location"] == "/q/form"
    assert not db.exec(select(Response)).all()


def test_choosing_a_passcode_explains_what_is_wrong(client, factory, db):
    _, _, created = _maya(client, factory)
    page = _gate(client, created["link"])
    short = client.post("/q/passcode", data={"_csrf": csrf_of(page.text), "passcode": "12", "again": "12"})
    assert short.status_code == 422 and "at least 6 characters" in short.text
    for easy in ("123456", "aaaaaaa", "password", "987654"):
        guessable = client.post("/q/passcode", data={"_csrf": csrf_of(page.text), "passcode": easy, "again": easy})
        assert guessable.status_code == 422 and "easy to guess" in guessable.text, easy
    different = client.post("/q/passcode", data={"_csrf": csrf_of(page.text), "passcode": "harbour",
                                                 "again": "harbor"})
    assert different.status_code == 422 and "not the same" in different.text
    assert db.get(Administration, created["id"]).passcode_hash is None


def test_the_other_partner_with_the_link_sees_no_name_question_or_answer(client, factory, db):
    _, _, created = _maya(client, factory)
    definition = trust()
    answers = uniform_answers(definition, 4)
    page = open_form(client, created["link"])
    assert post_section(client, page.text, definition, 0, answers).status_code == 303
    with TestClient(client.app) as other:  # his own browser, the link from her email
        gate = _gate(other, created["link"])
        assert "Enter your passcode" in gate.text
        for hidden in ("Maya", "Okafor", definition.title, *(item.text for item in definition.sections[0].items),
                       "Agree", "checked"):
            assert hidden not in gate.text, hidden
        for page_asked in ("1", "2", "review"):
            shown = other.get("/q/form", params={"page": page_asked}).text
            assert "Enter your passcode" in shown and "Maya" not in shown
    # The counselor can tell a second browser opened it.
    openings = db.exec(select(LinkEvent).where(LinkEvent.administration_id == created["id"],
                                               LinkEvent.kind == "opened").order_by(LinkEvent.id)).all()
    assert [o.new_browser for o in openings] == [True, True]
    assert openings[0].browser != openings[1].browser and len(openings[0].browser) == 64


def test_the_same_browser_opening_again_is_not_new(client, factory, db):
    _, _, created = _maya(client, factory)
    open_form(client, created["link"])
    client.cookies.delete(COOKIE_NAME, path="/q")  # the tab was closed, the browser kept
    assert "Enter your passcode" in _gate(client, created["link"]).text
    openings = db.exec(select(LinkEvent).where(LinkEvent.kind == "opened").order_by(LinkEvent.id)).all()
    assert [o.new_browser for o in openings] == [True, False]


def test_five_wrong_passcodes_lock_the_link_until_a_new_one_is_sent(client, factory, db):
    _, headers, created = _maya(client, factory)
    definition = trust()
    answers = uniform_answers(definition, 2)
    post_section(client, open_form(client, created["link"]).text, definition, 0, answers)
    with TestClient(client.app) as other:
        gate = _gate(other, created["link"])
        for tries_left in (4, 3, 2, 1):
            wrong = _try(other, gate, f"guess {tries_left}")
            assert wrong.status_code == 422 and f"{tries_left} tr" in wrong.text
        locked = _try(other, gate, "guess 0")
        assert locked.status_code == 403 and "This link is locked" in locked.text
        assert _try(other, gate, PASSCODE).status_code == 403  # even the right one, now
    # Her own browser is stopped too, and reopening the link says it is locked.
    assert "This link is locked" in client.get("/q/form").text
    assert client.get(path_of(created["link"]), follow_redirects=False).status_code == 403
    row = db.get(Administration, created["id"])
    db.refresh(row)
    assert row.locked_at is not None and row.passcode_failures == 5
    shown = client.get(f"/api/v1/administrations/{created['id']}", headers=headers).text
    assert row.passcode_hash not in shown
    # The counselor sends a new link: the answers stay; she needs the one-time code the
    # counselor tells her (never in the message with the link) to choose a new passcode.
    again = client.post(f"/api/v1/administrations/{created['id']}/resend", headers=headers, json={})
    assert again.status_code == 200
    code = again.json()["reset_code"]
    assert code and len(code) == 9 and code not in shown
    with TestClient(client.app) as reader_of_her_email:
        gate = _gate(reader_of_her_email, again.json()["link"])
        assert "Code from your counselor" in gate.text and "Maya" not in gate.text
        attempt = reader_of_her_email.post("/q/passcode", data={
            "_csrf": csrf_of(gate.text), "passcode": "his own words", "again": "his own words", "code": "ABCD-EFGH"})
        assert attempt.status_code == 422 and "Check the code your counselor gave you" in attempt.text
        assert "Section" not in reader_of_her_email.get("/q/form").text
    resumed = open_form(client, again.json()["link"], passcode="a brand new one", code=code.lower())
    assert f"Section 2 of {len(trust().sections) + 1}" in resumed.text
    back = client.get("/q/form?page=1").text
    first = definition.sections[0].items[0].id
    assert f'id="f-{first}-1" value="2" checked' in back


def test_wrong_passcodes_count_across_browsers_and_a_right_one_does_not_wipe_them(client, factory, db):
    _, _, created = _maya(client, factory)
    open_form(client, created["link"])
    with TestClient(client.app) as other:
        gate = _gate(other, created["link"])
        assert _try(other, gate, "nope").status_code == 422
        assert _try(other, gate, "nope again").status_code == 422
    with TestClient(client.app) as third:
        gate = _gate(third, created["link"])
        third_try = _try(third, gate, "third")
        assert third_try.status_code == 422 and "2 tries left" in third_try.text
        assert _try(third, gate, PASSCODE).status_code == 303
    row = db.get(Administration, created["id"])
    db.refresh(row)
    assert row.passcode_failures == 3 and row.locked_at is None
    kinds = [e.kind for e in db.exec(select(LinkEvent).order_by(LinkEvent.id)).all()]
    assert kinds.count("passcode_failed") == 3 and "passcode_ok" in kinds and "passcode_set" in kinds


def test_an_idle_form_cookie_stops_working(client, factory, db):
    _, _, created = _maya(client, factory)
    open_form(client, created["link"])
    row = db.get(Administration, created["id"])
    db.refresh(row)
    stale = cookie_value(row, unlocked=True, now=utcnow() - timedelta(minutes=21))
    client.cookies.set(COOKIE_NAME, stale, path="/q")
    assert client.get("/q/form").status_code == 404
    fresh = cookie_value(row, unlocked=True, now=utcnow() - timedelta(minutes=19))
    client.cookies.set(COOKIE_NAME, fresh, path="/q")
    assert f"Section 1 of {len(trust().sections) + 1}" in client.get("/q/form").text
    # A cookie made before the passcode was chosen never opens the form.
    client.cookies.set(COOKIE_NAME, cookie_value(row, unlocked=False), path="/q")
    assert "Enter your passcode" in client.get("/q/form").text


def test_leave_quickly_ends_the_form_and_shows_a_page_that_says_nothing(client, factory):
    _, _, created = _maya(client, factory)
    page = open_form(client, created["link"])
    assert 'href="/q/leave"' in page.text and "Leave quickly" in page.text
    left = client.get("/q/leave")
    assert left.status_code == 200 and left.headers["cache-control"] == "no-store"
    for revealing in ("Mend", "questionnaire", "counselor", "Maya", "partner"):
        assert revealing not in left.text
    assert any(c.startswith(f"{COOKIE_NAME}=") and "max-age=0" in c.lower()
               for c in left.headers.get_list("set-cookie"))
    assert client.get("/q/form").status_code == 404


def test_passcode_hashes_never_leave_the_database(client, factory, db, caplog):
    maya, headers, created = _maya(client, factory)
    with caplog.at_level(logging.DEBUG):
        open_form(client, created["link"])
        with TestClient(client.app) as other:
            _try(other, _gate(other, created["link"]), "wrong one")
    row = db.get(Administration, created["id"])
    db.refresh(row)
    assert row.passcode_hash and row.passcode_hash.startswith("$argon2")
    owner = factory.counselor(db.get(Practice, maya.practice_id), role="owner")
    bodies = [client.get(f"/api/v1/administrations/{created['id']}", headers=headers).text,
              client.get(f"/api/v1/clients/{maya.id}/administrations", headers=headers).text,
              client.get("/api/v1/audit-events?limit=200", headers=factory.headers(owner)).text]
    events = db.exec(select(AuditEvent)).all()
    assert {"link_opened", "link_passcode_set", "link_passcode_failed"} <= {e.action for e in events}
    for text in [*bodies, caplog.text, *(str(e.detail) for e in events)]:
        assert row.passcode_hash not in text and PASSCODE not in text and "$argon2" not in text


def test_a_new_link_keeps_the_passcode_unless_the_counselor_resets_it(client, factory, db):
    _, headers, created = _maya(client, factory)
    definition = trust()
    post_section(client, open_form(client, created["link"]).text, definition, 0, uniform_answers(definition, 3))
    client.cookies.clear()
    kept = client.post(f"/api/v1/administrations/{created['id']}/resend", headers=headers, json={}).json()
    assert kept["reset_code"] is None and kept["passcode_set"] is True
    assert "Enter your passcode" in _gate(client, kept["link"]).text
    # The same passcode opens it.
    assert f"Section 2 of {len(trust().sections) + 1}" in open_form(client, kept["link"]).text
    client.cookies.clear()
    # She forgot it: the counselor resets it; with answers saved, a code comes with the link.
    reset = client.post(f"/api/v1/administrations/{created['id']}/resend", headers=headers,
                        json={"reset_passcode": True}).json()
    assert reset["reset_code"] and reset["passcode_set"] is False
    assert "Code from your counselor" in _gate(client, reset["link"]).text
    audit = db.exec(select(AuditEvent).where(AuditEvent.action == "resend").order_by(AuditEvent.id)).all()
    assert [e.detail["passcode_reset"] for e in audit] == [False, True]
    assert reset["reset_code"] not in str([e.detail for e in audit])


def test_a_reset_before_any_answer_needs_no_code(client, factory):
    _, headers, created = _maya(client, factory)
    open_form(client, created["link"])  # passcode chosen, nothing saved
    client.cookies.clear()
    reset = client.post(f"/api/v1/administrations/{created['id']}/resend", headers=headers,
                        json={"reset_passcode": True}).json()
    assert reset["reset_code"] is None
    page = _gate(client, reset["link"])
    assert "Choose a passcode" in page.text and "Code from your counselor" not in page.text


def test_wrong_reset_codes_count_and_lock(client, factory, db):
    _, headers, created = _maya(client, factory)
    definition = trust()
    post_section(client, open_form(client, created["link"]).text, definition, 0, uniform_answers(definition, 3))
    client.cookies.clear()
    reset = client.post(f"/api/v1/administrations/{created['id']}/resend", headers=headers,
                        json={"reset_passcode": True}).json()
    gate = _gate(client, reset["link"])
    for attempt in range(5):
        tried = client.post("/q/passcode", data={"_csrf": csrf_of(gate.text), "passcode": "a fine phrase",
                                                 "again": "a fine phrase", "code": f"WRONG-{attempt}"})
    assert tried.status_code == 403 and "This link is locked" in tried.text
    db.rollback()
    row = db.get(Administration, created["id"])
    assert row.locked_at is not None and row.passcode_hash is None


def test_typed_answers_and_the_passcode_are_not_offered_to_the_next_person_on_the_device(client, factory):
    counselor = factory.counselor()
    maya = factory.client(counselor, first="Maya")
    created = give(client, factory.headers(counselor), maya.id, instrument_id="couples-intake")
    assert 'autocomplete="off"' in _gate(client, created["link"]).text
    open_form(client, created["link"])
    page = client.get("/q/form?page=1").text
    typed = page.count('<input name="') + page.count("<textarea")
    assert typed and page.count('autocomplete="off"') >= typed
