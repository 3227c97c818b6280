"""'Prefer not to answer' on the public form and in the in-session API: offered where the
definition says, accessible, stored as its own value, enough for "required", missing for scoring."""

from __future__ import annotations

import re

from sqlmodel import select

from app.instruments.models import PREFER_NOT
from app.questionnaires.models import AdministrationFlag, Score
from app.questionnaires.public import form_view
from app.scoring import score_administration
from tests.questionnaires.helpers import csrf_of, give, open_form, post_section, trust, uniform_answers


def _section_index(definition, section_id):
    return next(i for i, s in enumerate(definition.sections) if s.id == section_id)


def test_the_view_adds_the_choice_last_and_only_where_offered():
    definition = trust()
    section = definition.section("intimacy")
    fields = {f.id: f for f in form_view.fields(definition, section, {"sx1": PREFER_NOT}, {})}
    sx1 = fields["sx1"]
    assert sx1.declinable and sx1.decline_choice is not None
    assert [c.label for c in sx1.answer_choices] == definition.scale_for("sx1").labels
    assert (sx1.decline_choice.value, sx1.decline_choice.label) == (PREFER_NOT, "Prefer not to answer")
    assert sx1.is_chosen(sx1.decline_choice)
    plain = form_view.fields(definition, definition.sections[0], {}, {})[0]
    assert not plain.declinable and plain.decline_choice is None


def test_the_form_offers_it_in_the_same_radio_group(client, factory):
    counselor = factory.counselor()
    maya = factory.client(counselor, first="Maya")
    created = give(client, factory.headers(counselor), maya.id)
    definition = trust()
    open_form(client, created["link"])
    index = _section_index(definition, "intimacy")
    page = client.get(f"/q/form?page={index + 1}").text
    sx1 = page[page.index('id="q-sx1"'):page.index("</fieldset>", page.index('id="q-sx1"'))]
    assert sx1.count("<legend") == 1  # one fieldset, one legend, for the question and its choices
    radios = re.findall(r'<input type="radio" name="sx1"\s+id="([^"]+)" value="([^"]+)"', sx1)
    assert [value for _, value in radios] == ["1", "2", "3", "4", "5", PREFER_NOT]
    for input_id, _ in radios:
        assert f'<label for="{input_id}">' in sx1  # every choice has its own label
    assert '<label for="f-sx1-5">Prefer not to answer</label>' in sx1
    first = client.get("/q/form?page=1").text
    assert PREFER_NOT not in first  # only sensitive items offer it


def test_declined_items_answer_required_questions_and_are_missing_for_scoring(client, factory, db):
    counselor = factory.counselor()
    maya = factory.client(counselor, first="Maya")
    created = give(client, factory.headers(counselor), maya.id)
    definition = trust()
    # Everything "neither" (3), the safety items "strongly disagree" (1), and three of the four
    # sexual-trust items declined: sexual_trust is 3/4 missing, over 0.25, so not scored.
    answers = {**uniform_answers(definition, 3), **dict.fromkeys(definition.indicators["safety"].items, 1),
               "sx1": PREFER_NOT, "sx2": PREFER_NOT, "sx3": PREFER_NOT, "rc3": PREFER_NOT}
    page = open_form(client, created["link"])
    for number in range(len(definition.sections)):
        saved = post_section(client, page.text, definition, number, answers)
        assert saved.status_code == 303, saved.text
    review = client.get("/q/form?page=review").text
    assert review.count("Prefer not to answer") == 4 and "please answer this" not in review
    sent = client.post("/q/form", data={"_csrf": csrf_of(review), "_section": "_review", "_action": "submit"},
                       follow_redirects=False)
    assert sent.status_code == 303
    db.rollback()
    scores = {s.subscale: s for s in db.exec(select(Score).where(Score.administration_id == created["id"])).all()}
    assert "sexual_trust" not in scores or scores["sexual_trust"].mean is None
    # Recovery: rc3 declined, the other five answered 3 (reverse keying keeps 3 at 3): 15 / 5 = 3.0.
    assert scores["recovery"].mean == 3.0
    expected = score_administration(definition, answers)
    assert expected.subscales["recovery"].answered == 5 and expected.subscales["recovery"].prorated
    assert not expected.subscales["sexual_trust"].scored


def test_in_session_entry_takes_prefer_not_and_shows_it(client, factory, db):
    counselor = factory.counselor()
    someone = factory.client(counselor)
    headers = factory.headers(counselor)
    made = give(client, headers, someone.id, mode="in_session")
    url = f"/api/v1/administrations/{made['id']}"
    definition = trust()
    answers = {**uniform_answers(definition, 3), **dict.fromkeys(definition.indicators["safety"].items, 1),
               "sf2": PREFER_NOT}
    refused = client.put(f"{url}/answers", json={"answers": {"tr1": PREFER_NOT}}, headers=headers)
    assert refused.status_code == 422 and "tr1" in refused.text  # tr1 doesn't offer it
    assert client.put(f"{url}/answers", json={"answers": answers}, headers=headers).status_code == 200
    done = client.post(f"{url}/submit", headers=headers)
    assert done.status_code == 200, done.text
    shown = {a["item_id"]: a for a in client.get(f"{url}/answers", headers=headers).json()["answers"]}
    assert shown["sf2"]["value"] == PREFER_NOT and shown["sf2"]["display"] == "Prefer not to answer"
    # A declined safety question is asked about in person (medium), never read as "no concern".
    flags = db.exec(select(AdministrationFlag).where(AdministrationFlag.administration_id == made["id"])).all()
    assert [(f.item_id, f.severity) for f in flags] == [("sf2", "medium")]
