"""The owner's view: who holds each couple and client, and giving a record to another counselor."""

from __future__ import annotations

import re

from sqlmodel import select

from app.audit.models import AuditEvent
from app.clients.models import Client, Couple
from app.practice.models import Practice
from tests.web.conftest import Browser


def _team(factory):  # type: ignore[no-untyped-def]
    owner = factory.owner()
    practice = factory.session.get(Practice, owner.practice_id)
    dana = factory.counselor(practice, name="Dana Reyes")
    sam = factory.counselor(practice, name="Sam Ortiz")
    return owner, dana, sam


def _options(html: str, name: str = "counselor_id") -> list[tuple[str, str, bool]]:
    """(value, text, selected) of each option of the select called ``name``."""
    select_html = re.search(rf'<select id="{name}" name="{name}".*?</select>', html, re.S)
    assert select_html, f"no select {name}"
    return [(v, t.strip(), bool(sel)) for v, sel, t in
            re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select_html.group(0))]


def _fresh(db) -> None:  # type: ignore[no-untyped-def]
    """Read what the server committed: end the test's own snapshot and forget loaded rows."""
    db.rollback()
    db.expire_all()


def _events(db, entity: str, entity_id: int, action: str = "reassign") -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    _fresh(db)
    return list(db.exec(select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id,
                                                 AuditEvent.action == action)).all())


def test_owner_lists_name_each_couples_and_clients_counselor(client, factory):
    owner, dana, sam = _team(factory)
    factory.couple(dana, names=("Maya", "Daniel"))
    factory.client(sam, first="Noor", last="Haddad")
    browser = Browser(client, owner)
    couples = browser.get("/couples").text
    assert '<th scope="col">Counselor</th>' in couples
    assert re.search(r'data-label="Counselor">Dana Reyes</td>', couples)
    clients = browser.get("/clients").text
    assert re.search(r'Haddad, Noor.*?data-label="Counselor">Sam Ortiz</td>', clients, re.S)
    assert re.search(r'Lee, Maya.*?data-label="Counselor">Dana Reyes</td>', clients, re.S)
    # A counselor sees only their caseload: the column would only repeat their own name.
    own = Browser(client, dana).get("/clients").text
    assert "Lee, Maya" in own and "Haddad" not in own and '<th scope="col">Counselor</th>' not in own


def test_the_couple_and_client_pages_name_the_counselor(client, factory):
    owner, dana, _ = _team(factory)
    couple = factory.couple(dana)
    person = factory.client(dana, first="Noor", last="Haddad")
    browser = Browser(client, owner)
    assert "Counselor: <strong>Dana Reyes</strong>" in browser.get(f"/couples/{couple.id}").text
    assert "Counselor: <strong>Dana Reyes</strong>" in browser.get(f"/clients/{person.id}").text
    mine = Browser(client, dana).get(f"/clients/{person.id}").text
    assert "Counselor: <strong>Dana Reyes (you)</strong>" in mine
    assert "Change counselor" not in mine and f'action="/clients/{person.id}/counselor"' not in mine


def test_owner_gives_a_couple_to_another_counselor_partners_follow(client, factory, db):
    owner, dana, sam = _team(factory)
    couple = factory.couple(dana, names=("Maya", "Daniel"))
    browser = Browser(client, owner)
    page = browser.get(f"/couples/{couple.id}").text
    assert "Both partners&#39; own records move with the couple." in page
    assert ("Sam Ortiz", False) in [(t, s) for _, t, s in _options(page)]
    assert (str(dana.id), "Dana Reyes", True) in _options(page)  # the current one is preselected
    moved = browser.post(f"/couples/{couple.id}/counselor", {"counselor_id": str(sam.id)}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/couples/{couple.id}?notice=couple-reassigned"
    _fresh(db)
    assert db.get(Couple, couple.id).counselor_id == sam.id
    assert {db.get(Client, i).counselor_id for i in (couple.partner_a_id, couple.partner_b_id)} == {sam.id}
    [event] = _events(db, "couple", couple.id)
    assert event.detail == {"from_counselor_id": dana.id, "to_counselor_id": sam.id,
                            "partners_moved": sorted([couple.partner_a_id, couple.partner_b_id])}
    assert _events(db, "client", couple.partner_a_id)[0].detail["from_counselor_id"] == dana.id
    # The old counselor no longer sees the couple nor its partners; the new one does.
    old = Browser(client, dana)
    assert old.get(f"/couples/{couple.id}").status_code == 404
    assert old.get(f"/clients/{couple.partner_a_id}").status_code == 404
    assert "Maya" not in old.get("/couples").text and "Maya" not in old.get("/clients").text
    new = Browser(client, sam)
    assert new.get(f"/couples/{couple.id}").status_code == 200
    assert "Maya" in new.get("/couples").text and "Lee, Maya" in new.get("/clients").text


def test_a_partner_held_by_a_third_counselor_stays_with_them(client, factory, db):
    owner, dana, sam = _team(factory)
    couple = factory.couple(dana, names=("Maya", "Daniel"))
    practice = db.get(Practice, owner.practice_id)
    lee = factory.counselor(practice, name="Lee Park")
    b = db.get(Client, couple.partner_b_id)
    b.counselor_id = lee.id  # Daniel's individual work is with Lee
    db.add(b)
    db.commit()
    browser = Browser(client, owner)
    page = browser.get(f"/couples/{couple.id}").text
    assert "Maya Lee&#39;s own record moves with the couple." in page
    assert "Daniel Lee&#39;s stays with Lee Park" in page
    assert browser.post(f"/couples/{couple.id}/counselor", {"counselor_id": str(sam.id)}).status_code == 200
    _fresh(db)
    assert db.get(Client, couple.partner_a_id).counselor_id == sam.id
    assert db.get(Client, couple.partner_b_id).counselor_id == lee.id
    assert _events(db, "couple", couple.id)[0].detail["partners_moved"] == [couple.partner_a_id]
    assert Browser(client, lee).get(f"/clients/{couple.partner_b_id}").status_code == 200


def test_owner_gives_a_client_to_another_counselor(client, factory, db):
    owner, dana, sam = _team(factory)
    person = factory.client(dana, first="Noor", last="Haddad")
    browser = Browser(client, owner)
    response = browser.post(f"/clients/{person.id}/counselor", {"counselor_id": str(sam.id)})
    assert response.status_code == 200 and "Counselor changed." in response.text
    assert "Counselor: <strong>Sam Ortiz</strong>" in response.text
    [event] = _events(db, "client", person.id)
    assert (event.detail["from_counselor_id"], event.detail["to_counselor_id"]) == (dana.id, sam.id)
    assert event.actor_id == owner.id
    assert Browser(client, dana).get(f"/clients/{person.id}").status_code == 404
    assert Browser(client, sam).get(f"/clients/{person.id}").status_code == 200
    # The same counselor again changes nothing and records nothing.
    browser = Browser(client, owner)
    assert browser.post(f"/clients/{person.id}/counselor", {"counselor_id": str(sam.id)}).status_code == 200
    assert len(_events(db, "client", person.id)) == 1


def test_a_non_owner_can_never_reassign(client, factory, db):
    _, dana, sam = _team(factory)
    couple = factory.couple(dana)
    person = factory.client(dana, first="Noor", last="Haddad")
    browser = Browser(client, dana)
    assert browser.post(f"/couples/{couple.id}/counselor", {"counselor_id": str(sam.id)}).status_code == 403
    assert browser.post(f"/clients/{person.id}/counselor", {"counselor_id": str(sam.id)}).status_code == 403
    # Nor through the edit form: a counselor_id posted there is ignored.
    edit = browser.get(f"/clients/{person.id}/edit").text
    assert 'name="counselor_id"' not in edit
    saved = browser.post(f"/clients/{person.id}/edit", {"first_name": "Noor", "last_name": "Haddad",
                                                          "counselor_id": str(sam.id)}, follow_redirects=False)
    assert saved.status_code == 303
    _fresh(db)
    assert db.get(Couple, couple.id).counselor_id == dana.id and db.get(Client, person.id).counselor_id == dana.id
    assert _events(db, "couple", couple.id) == [] and _events(db, "client", person.id) == []


def test_a_counselor_cannot_take_over_a_partner_held_by_someone_else(client, factory, db):
    """Seeing a partner through one's couple is not holding their record: the API refuses the change."""
    _, dana, sam = _team(factory)
    couple = factory.couple(dana)
    b = db.get(Client, couple.partner_b_id)
    b.counselor_id = sam.id
    db.add(b)
    db.commit()
    r = client.patch(f"/api/v1/clients/{b.id}", json={"counselor_id": dana.id}, headers=factory.headers(dana))
    assert r.status_code == 422 and "owner" in r.text
    _fresh(db)
    assert db.get(Client, b.id).counselor_id == sam.id


def test_reassigning_to_a_retired_or_foreign_counselor_is_a_422(client, factory, db):
    owner, dana, sam = _team(factory)
    couple = factory.couple(dana)
    person = factory.client(dana, first="Noor", last="Haddad")
    sam.active = False
    db.add(sam)
    db.commit()
    stranger = factory.counselor(name="Other Practice")
    browser = Browser(client, owner)
    for target in (sam, stranger):
        for url in (f"/couples/{couple.id}/counselor", f"/clients/{person.id}/counselor"):
            response = browser.post(url, {"counselor_id": str(target.id)})
            assert response.status_code == 422, (url, target.full_name)
            assert 'id="counselor_id-error"' in response.text
            assert "No active counselor with this id in your practice" in response.text
    for junk in ("", "²", "9" * 40):
        response = browser.post(f"/couples/{couple.id}/counselor", {"counselor_id": junk})
        assert response.status_code == 422 and "Choose a counselor" in response.text
    _fresh(db)
    assert db.get(Couple, couple.id).counselor_id == dana.id and db.get(Client, person.id).counselor_id == dana.id
    assert _events(db, "couple", couple.id) == [] and _events(db, "client", person.id) == []
    # A retired counselor still holding a record is named and preselected, never silently replaced.
    page = browser.get(f"/clients/{factory.client(sam).id}/edit").text
    assert (str(sam.id), "Sam Ortiz (retired)", True) in _options(page)


def test_the_counselor_menu_lists_each_person_once(client, factory):
    owner, _, _ = _team(factory)
    browser = Browser(client, owner)
    for url in ("/clients/new", "/couples/new"):
        options = _options(browser.get(url).text)
        assert [t for _, t, _ in options] == ["Dana Reyes", "Olive Owner (me)", "Sam Ortiz"], url
        assert [v for v, _, s in options if s] == [str(owner.id)], url  # a new record is mine unless I choose
        assert "" not in [v for v, _, _ in options]


def test_owner_takes_over_a_record_in_the_edit_form_and_gives_it_back(client, factory, db):
    owner, dana, _ = _team(factory)
    person = factory.client(dana, first="Noor", last="Haddad")
    browser = Browser(client, owner)
    edit = browser.get(f"/clients/{person.id}/edit").text
    assert [v for v, _, s in _options(edit) if s] == [str(dana.id)]  # the record's own counselor
    details = {"first_name": "Noor", "last_name": "Haddad", "contact_preference": "email", "email_safe": "unknown"}
    # Saving other details with the preselected counselor changes nothing about who holds it.
    assert browser.post(f"/clients/{person.id}/edit", {**details, "counselor_id": str(dana.id),
                                                       "pronouns": "she/her"}).status_code == 200
    _fresh(db)
    assert db.get(Client, person.id).counselor_id == dana.id and _events(db, "client", person.id) == []
    taken = browser.post(f"/clients/{person.id}/edit", {**details, "counselor_id": str(owner.id)})
    assert taken.status_code == 200 and "Counselor: <strong>Olive Owner (you)</strong>" in taken.text
    _fresh(db)
    assert db.get(Client, person.id).counselor_id == owner.id
    assert Browser(client, dana).get(f"/clients/{person.id}").status_code == 404
    browser = Browser(client, owner)
    browser.post(f"/clients/{person.id}/edit", {**details, "counselor_id": str(dana.id)})
    _fresh(db)
    assert db.get(Client, person.id).counselor_id == dana.id
    assert [(e.detail["from_counselor_id"], e.detail["to_counselor_id"])
            for e in sorted(_events(db, "client", person.id), key=lambda e: e.id)] == [
        (dana.id, owner.id), (owner.id, dana.id)]


def test_partners_typed_into_a_new_couple_are_held_by_its_counselor(client, factory, db):
    owner, dana, _ = _team(factory)
    browser = Browser(client, owner)
    response = browser.post("/couples/new", {
        "a_first_name": "Maya", "a_last_name": "Lee", "b_first_name": "Daniel", "b_last_name": "Lee",
        "breach_type": "infidelity", "counselor_id": str(dana.id)}, follow_redirects=False)
    assert response.status_code == 303
    couple = db.exec(select(Couple)).one()
    assert couple.counselor_id == dana.id
    assert {c.counselor_id for c in db.exec(select(Client)).all()} == {dana.id}
