"""Unsent means unsent, except safety: a safety answer reaches the counselor when it is saved,
the client is told so at the item, and a yes about self-harm brings up support at once."""

from __future__ import annotations

from sqlmodel import select

from app.clients.models import Client
from app.instruments.catalog import default_catalog
from app.practice.models import Practice
from app.practice.service import DEFAULT_SUPPORT_TEXT
from app.questionnaires.models import Administration, AdministrationFlag
from tests.questionnaires.helpers import csrf_of, give, open_form, post_section, trust, uniform_answers

INTAKE = "couples-intake"


def _intake(client, factory):
    counselor = factory.counselor()
    maya = factory.client(counselor, first="Maya", last="Okafor")
    headers = factory.headers(counselor)
    created = give(client, headers, maya.id, instrument_id=INTAKE)
    definition = default_catalog().latest(INTAKE)
    safety = next(i for i, s in enumerate(definition.sections) if s.id == "safety")
    return counselor, headers, created, definition, safety


def _flags(db, administration_id):
    return db.exec(select(AdministrationFlag).where(AdministrationFlag.administration_id == administration_id)).all()


def test_the_safety_items_say_the_counselor_is_told_straight_away(client, factory):
    _, _, created, definition, safety = _intake(client, factory)
    told = [item.id for item in definition.sections[safety].items if definition.told_on_save(item.id)]
    assert "safety_self_harm" in told and "safety_afraid" in told
    open_form(client, created["link"])
    page = client.get(f"/q/form?page={safety + 1}").text
    assert page.count("your counselor is told straight away, even before you send") == len(told)
    ordinary = client.get("/q/form?page=1").text
    assert "told straight away" not in ordinary


def test_a_saved_self_harm_yes_raises_its_flag_and_shows_support_before_sending(client, factory, db):
    _, headers, created, definition, safety = _intake(client, factory)
    page = open_form(client, created["link"])
    answers = {"safety_self_harm": "yes", "safety_afraid": "no"}
    saved = post_section(client, page.text, definition, safety, answers)
    # Nothing in the address says so (it would stay in the browser's history).
    assert saved.status_code == 303 and "support" not in saved.headers["location"]
    after = client.get(saved.headers["location"])
    assert "Support for you" in after.text and DEFAULT_SUPPORT_TEXT[:24] in after.text
    assert db.get(Administration, created["id"]).status == "in_progress"  # not sent
    flags = _flags(db, created["id"])
    assert [(f.item_id, f.severity) for f in flags] == [("safety_self_harm", "high")]
    # The counselor's flag list has it now, before any "Send".
    listed = client.get("/api/v1/flags", headers=headers).json()
    assert [f["item_id"] for f in listed] == ["safety_self_harm"]


def test_the_practice_writes_its_own_support_text(client, factory, db):
    counselor, _, created, definition, safety = _intake(client, factory)
    owner = factory.counselor(db.get(Practice, counselor.practice_id), role="owner")
    text = "Call the Harbour Lane duty line on 0800 000 000, or 999 in an emergency."
    changed = client.patch("/api/v1/practice", json={"support_text": text}, headers=factory.headers(owner))
    assert changed.status_code == 200 and changed.json()["support_text"] == text
    page = open_form(client, created["link"])
    saved = post_section(client, page.text, definition, safety, {"safety_self_harm": "yes"})
    shown = client.get(saved.headers["location"]).text
    assert text in shown and DEFAULT_SUPPORT_TEXT[:24] not in shown
    # It stays with her while the yes is saved, and goes once she changes it.
    assert text in client.get("/q/form?page=1").text
    post_section(client, page.text, definition, safety, {"safety_self_harm": "no"})
    assert "Support for you" not in client.get("/q/form?page=1").text


def test_support_needs_the_yes_to_be_saved(client, factory):
    _, _, created, definition, safety = _intake(client, factory)
    page = open_form(client, created["link"])
    post_section(client, page.text, definition, safety, {"safety_self_harm": "no"})
    assert "Support for you" not in client.get(f"/q/form?page={safety + 1}").text


def test_a_changed_answer_keeps_the_flag_and_submit_does_not_raise_it_twice(client, factory, db):
    _, _, created, definition, safety = _intake(client, factory)
    page = open_form(client, created["link"])
    post_section(client, page.text, definition, safety, {"safety_afraid": "yes"})
    post_section(client, page.text, definition, safety, {"safety_afraid": "no"})
    assert [f.item_id for f in _flags(db, created["id"])] == ["safety_afraid"]  # the counselor was told


def test_trust_check_in_safety_scale_is_told_on_save_and_counted_once(client, factory, db):
    counselor = factory.counselor()
    maya = factory.client(counselor, first="Maya")
    created = give(client, factory.headers(counselor), maya.id)
    definition = trust()
    rule = next(r for r in definition.flags if r.raised_on_save and definition.item(r.item).type == "scale")
    kind, value = rule.condition
    assert kind in ("at_least", "at_most")
    # Exactly at the rule's edge; the other safety items "strongly disagree", since "unsure" (3)
    # raises a medium flag of its own on submit.
    calm = dict.fromkeys((i for indicator in definition.indicators.values() for i in indicator.items), 1)
    answers = {**uniform_answers(definition, 3), **calm, rule.item: value}
    index = next(i for i, s in enumerate(definition.sections) if any(item.id == rule.item for item in s.items))
    page = open_form(client, created["link"])
    assert "as soon as you save this page" in client.get(f"/q/form?page={index + 1}").text
    for number in range(len(definition.sections)):
        post_section(client, page.text, definition, number, answers)
    raised = [(f.item_id, f.severity) for f in _flags(db, created["id"])]
    assert (rule.item, "high") in raised
    review = client.get("/q/form?page=review")
    sent = client.post("/q/form", data={"_csrf": csrf_of(review.text), "_section": "_review", "_action": "submit"},
                       follow_redirects=False)
    assert sent.status_code == 303
    assert [(f.item_id, f.severity) for f in _flags(db, created["id"])] == raised  # none raised a second time


def test_sharing_scores_is_asked_before_sending_and_defaults_to_no(client, factory, db):
    counselor = factory.counselor()
    headers = factory.headers(counselor)
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    maya, daniel = db.get(Client, couple.partner_a_id), db.get(Client, couple.partner_b_id)
    definition = trust()
    results = {}
    for person, choice in ((maya, None), (daniel, "yes")):
        created = give(client, headers, person.id, couple_id=couple.id)
        page = open_form(client, created["link"])
        for number in range(len(definition.sections)):
            post_section(client, page.text, definition, number, uniform_answers(definition, 3))
        review = client.get("/q/form?page=review")
        assert 'name="share_scores" id="share-no" value="no" checked' in review.text
        data = {"_csrf": csrf_of(review.text), "_section": "_review", "_action": "submit"}
        if choice:
            data["share_scores"] = choice
        assert client.post("/q/form", data=data, follow_redirects=False).status_code == 303
        results[person.first_name] = created["id"]
        client.cookies.clear()
    db.rollback()  # a fresh look at what the requests committed
    shared = {name: db.get(Administration, row_id).share_scores for name, row_id in results.items()}
    assert shared == {"Maya": False, "Daniel": True}
    # An intake has no scores, and individual work has no joint report: neither asks.
    for extra in ({"instrument_id": INTAKE, "couple_id": couple.id}, {}):
        other = give(client, headers, maya.id, **extra)
        open_form(client, other["link"])
        assert "share_scores" not in client.get("/q/form?page=review").text
        client.cookies.clear()
