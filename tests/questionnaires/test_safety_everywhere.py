"""The safety indicator (fear and safety items, never averaged) reaches the API, the couple page
and the clinical PDF, and stays out of the couple's copy."""

from __future__ import annotations

from app.reports.service import generate_report
from tests.questionnaires.helpers import calm_answers, fear_item, give, trust
from tests.reports import pdf_helpers
from tests.web.conftest import Browser


def _entered(client, headers, client_id: int, couple_id: int, answers: dict) -> dict:
    made = give(client, headers, client_id, couple_id=couple_id, mode="in_session")
    url = f"/api/v1/administrations/{made['id']}"
    assert client.put(f"{url}/answers", json={"answers": answers}, headers=headers).status_code == 200
    assert client.post(f"{url}/submit", json={"share_scores": True}, headers=headers).status_code == 200
    return client.get(f"{url}/answers", headers=headers).json()


def test_one_answer_of_fear_shows_as_a_concern_on_every_counselor_surface(client, factory, db):
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    headers = factory.headers(counselor)
    definition = trust()
    indicator = definition.indicators["safety"]
    total = len(indicator.items)
    afraid = _entered(client, headers, couple.partner_a_id, couple.id,
                      {**calm_answers(definition, 4), fear_item(definition): 5})
    calm = _entered(client, headers, couple.partner_b_id, couple.id, calm_answers(definition, 4))
    [maya] = afraid["indicators"]
    assert maya["status"] == "concern" and maya["concern_items"] == [fear_item(definition)]
    assert f"(1 of {total} items)" in maya["text"]
    assert [i["status"] for i in calm["indicators"]] == ["none_reported"]
    # Every subscale mean is the same for both: the fear answer sits in none of them.
    assert {s["subscale"]: s["mean"] for s in afraid["scores"]} == {s["subscale"]: s["mean"] for s in calm["scores"]}

    page = Browser(client, counselor).get(f"/couples/{couple.id}").text
    section = page[page.index('id="safety-h"'):page.index('id="scores-h"')]
    assert "Maya Lee" in section and maya["text"] in section and "No concern reported" in section

    clinical = pdf_helpers.text(generate_report(db, actor=counselor, couple_id=couple.id).pdf)
    assert "Safety, read apart from the scores" in clinical and f"1 of {total} items" in clinical
    shared = pdf_helpers.text(generate_report(db, actor=counselor, couple_id=couple.id, audience="couple").pdf)
    assert "read apart from the scores" not in shared and f"1 of {total} items" not in shared


def test_the_api_holds_back_guarded_bands_while_a_high_flag_is_open(client, factory):
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    headers = factory.headers(counselor)
    definition = trust()
    guarded = sorted(definition.guarded_subscales())
    _entered(client, headers, couple.partner_a_id, couple.id, {**calm_answers(definition, 5), fear_item(definition): 5})
    _entered(client, headers, couple.partner_b_id, couple.id, calm_answers(definition, 5))
    [history] = client.get(f"/api/v1/couples/{couple.id}/scores", headers=headers).json()
    maya, daniel = history["headline"]
    assert maya["safety_alert"] == guarded and daniel["safety_alert"] == []
    bands = {s["subscale"]: (s["partner_a"]["points"][-1]["band"], s["partner_b"]["points"][-1]["band"])
             for s in history["subscales"]}
    for subscale in guarded:
        assert bands[subscale][0] == "see safety alert" and bands[subscale][1] != "see safety alert"
    # Dealt with: the bands read as they are again.
    flag = client.get("/api/v1/flags?status=open", headers=headers).json()[0]
    client.post(f"/api/v1/flags/{flag['id']}/resolve", json={"note": "Safety plan made with Maya"}, headers=headers)
    [history] = client.get(f"/api/v1/couples/{couple.id}/scores", headers=headers).json()
    assert history["headline"][0]["safety_alert"] == []
