"""The FHIR bundle: validated by fhir.resources, and checked by hand against the database."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session, select

from app.clients.models import Client, Couple
from app.instruments.catalog import default_catalog
from app.instruments.models import PREFER_NOT, Definition, Item
from app.questionnaires.administrations import service
from app.questionnaires.models import Administration, Response, Score
from app.questionnaires.schemas import AdministrationCreate
from app.questionnaires.submission import answering
from app.records.fhir import COUPLE_CONTEXT, bundle_for
from app.records.fhir_items import DECLINED_SYSTEM, YES_NO_SYSTEM, canonical
from tests.web.helpers import send_link

TRUST, INTAKE, CHECKIN = "trust-rebuilding", "couples-intake", "session-checkin"
# FHIR R4B value sets the library does not check.
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string",
              "text", "url", "choice", "open-choice", "attachment", "reference", "quantity"}


def _answer_for(item: Item, definition: Definition) -> Any:
    """Something of every kind: declined where offered (one in three), else a valid value."""
    if item.prefer_not and sum(map(ord, item.id)) % 3 == 0:
        return PREFER_NOT
    return {
        "scale": lambda: definition.scale_for(item).min + len(item.id) % 5,
        "single_choice": lambda: item.option_values[-1],
        "multiple_choice": lambda: item.option_values[:2],
        "yes_no": lambda: item.id.startswith("safety") is False,
        "short_text": lambda: f"about {item.id}",
        "long_text": lambda: "first line\nsecond line",
        "date": lambda: "2024-03-01",
        "number": lambda: 2.5,
    }[item.type]()


def _give(db: Session, counselor: Any, couple: Couple | None, client_id: int, instrument: str) -> Administration:
    data = AdministrationCreate(client_id=client_id, couple_id=couple.id if couple else None,
                                instrument_id=instrument, mode="in_session")
    administration, _ = service.create_administration(db, actor=counselor, data=data)
    definition = default_catalog().latest(instrument)
    answers = {item.id: _answer_for(item, definition) for item in definition.items}
    answering.save_in_session(db, actor=counselor, administration_id=administration.id, answers=answers)
    done = answering.submit_in_session(db, actor=counselor, administration_id=administration.id)
    db.commit()
    return done


@pytest.fixture
def record(db: Session, factory: Any) -> dict[str, Any]:
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    db.get(Client, couple.partner_a_id).preferred_name = "May"
    db.commit()
    given = [
        _give(db, counselor, couple, couple.partner_a_id, TRUST),
        _give(db, counselor, couple, couple.partner_b_id, TRUST),
        _give(db, counselor, couple, couple.partner_a_id, INTAKE),
        _give(db, counselor, None, couple.partner_b_id, INTAKE),  # B's individual work
    ]
    pending = [send_link(db, counselor, couple, client_id=couple.partner_b_id, instrument_id=CHECKIN)[0]]
    return {"couple": couple, "submitted": given, "pending": pending}


def _parse(data: dict[str, Any]) -> tuple[Bundle, dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Re-validate the bundle from its JSON; its resources by type and by fullUrl."""
    text = json.dumps(data)
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in data["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return bundle, by_type, {entry["fullUrl"]: entry["resource"] for entry in data["entry"]}


def _questions(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for item in items:
        assert item["type"] in ITEM_TYPES
        if item["type"] == "group":
            found |= _questions(item["item"])
        elif item["type"] != "display":
            found[item["linkId"]] = item
    return found


def _decode(question: dict[str, Any], answers: list[dict[str, Any]]) -> Any:
    """A response item's answers read back into Mend's stored form, by the Questionnaire item."""
    values = []
    for answer in answers:
        ((key, value),) = answer.items()
        if key == "valueCoding":
            assert {"valueCoding": value} in question["answerOption"]
            if value["system"] == DECLINED_SYSTEM:
                value = value["code"]
            elif value["system"] == YES_NO_SYSTEM:
                value = {"Y": True, "N": False}[value["code"]]
            else:
                value = int(value["code"]) if value["system"].endswith(("/scale/agreement", "/scale/hope")) \
                    else value["code"]
        values.append(value)
    return values if question.get("repeats") else values[0]


def _response_answers(response: dict[str, Any], questions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    found = {}
    for group in response.get("item", []):
        for item in group["item"]:
            found[item["linkId"]] = _decode(questions[item["linkId"]], item["answer"])
    return found


def test_bundle_matches_the_database(db: Session, record: dict[str, Any]) -> None:
    administrations = record["submitted"] + record["pending"]
    data = bundle_for(db, administrations=administrations)
    _, by_type, by_url = _parse(data)

    definitions = {(a.instrument_id, a.instrument_version) for a in administrations}
    assert len(by_type["Questionnaire"]) == len(definitions) == 3
    questionnaires = {}
    for q in by_type["Questionnaire"]:
        definition = default_catalog().get(q["url"].rsplit("/", 1)[1], int(q["version"]))
        assert q["url"] == canonical(definition) and q["status"] == "active" and q["title"] == definition.title
        assert [g["text"] for g in q["item"]] == [s.title for s in definition.sections]
        questions = _questions(q["item"])
        assert list(questions) == [item.id for item in definition.items]
        assert all(questions[i.id]["required"] == i.required for i in definition.items)
        questionnaires[f"{q['url']}|{q['version']}"] = questions

    responses = {r["identifier"]["value"]: r for r in by_type["QuestionnaireResponse"]}
    assert set(responses) == {str(a.id) for a in record["submitted"]}  # the pending one is absent
    for administration in record["submitted"]:
        response = responses[str(administration.id)]
        definition = default_catalog().get(administration.instrument_id, administration.instrument_version)
        assert response["status"] == "completed"
        assert response["questionnaire"] == f"{canonical(definition)}|{definition.version}"
        assert datetime.fromisoformat(response["authored"]) == administration.submitted_at
        rows = db.exec(select(Response).where(Response.administration_id == administration.id)).all()
        stored = {row.item_id: row.value for row in rows if row.value is not None}
        assert PREFER_NOT in stored.values()
        assert _response_answers(response, questionnaires[response["questionnaire"]]) == stored
        client = db.get(Client, administration.client_id)
        name = by_url[response["subject"]["reference"]]["name"][0]
        assert (name["given"], name["family"]) == ([client.first_name], client.last_name)
        context = [e["valueIdentifier"]["value"] for e in response.get("extension", []) if e["url"] == COUPLE_CONTEXT]
        assert context == ([str(administration.couple_id)] if administration.couple_id else [])


def test_prefer_not_is_an_offered_coding(db: Session, record: dict[str, Any]) -> None:
    intake = record["submitted"][2]
    _, by_type, _ = _parse(bundle_for(db, administrations=[intake]))
    declined = {"system": DECLINED_SYSTEM, "code": PREFER_NOT, "display": "Prefer not to answer"}
    questions = _questions(by_type["Questionnaire"][0]["item"])
    afraid = questions["safety_afraid"]  # a yes/no that offers it: a choice of Y, N and declined
    assert afraid["type"] == "choice"
    assert [o["valueCoding"]["code"] for o in afraid["answerOption"]] == ["Y", "N", PREFER_NOT]
    assert questions["living_together"]["type"] == "boolean"
    answered = {i["linkId"]: i["answer"] for g in by_type["QuestionnaireResponse"][0]["item"] for i in g["item"]}
    stored = {r.item_id: r.value for r in db.exec(select(Response).where(Response.administration_id == intake.id))}
    for item_id, value in stored.items():
        if value == PREFER_NOT:
            assert answered[item_id] == [{"valueCoding": declined}]
            assert {"valueCoding": declined} in questions[item_id]["answerOption"]
    assert answered["children"] == [{"valueDecimal": 2.5}]
    assert answered["previous_counseling_details"] == [{"valueString": "first line\nsecond line"}]


def test_patients_and_scores(db: Session, record: dict[str, Any]) -> None:
    couple = record["couple"]
    _, by_type, by_url = _parse(bundle_for(db, administrations=record["submitted"][:2]))
    names = sorted((n["use"], n["given"][0], n["family"]) for p in by_type["Patient"] for n in p["name"])
    assert names == [("official", "Daniel", "Lee"), ("official", "Maya", "Lee"), ("usual", "May", "Lee")]
    assert all(set(p) == {"resourceType", "id", "identifier", "name"} for p in by_type["Patient"])
    assert {p["identifier"][0]["value"] for p in by_type["Patient"]} == {str(couple.partner_a_id),
                                                                         str(couple.partner_b_id)}
    scores = db.exec(select(Score).where(Score.administration_id.in_([a.id for a in record["submitted"][:2]]))).all()
    observations = {o["identifier"][0]["value"]: o for o in by_type["Observation"]}
    assert set(observations) == {str(s.id) for s in scores} and scores
    for score in scores:
        found = observations[str(score.id)]
        assert found["code"]["coding"][0]["code"] == score.subscale
        response = by_url[found["derivedFrom"][0]["reference"]]
        assert response["identifier"]["value"] == str(score.administration_id)
        if score.scored:
            assert found["valueQuantity"]["value"] == pytest.approx(score.mean)
        else:
            assert "valueQuantity" not in found and found["dataAbsentReason"]


def test_every_reference_resolves_and_nothing_unsent(db: Session, record: dict[str, Any]) -> None:
    data = bundle_for(db, administrations=record["submitted"] + record["pending"])
    urls = {entry["fullUrl"] for entry in data["entry"]}
    assert len(urls) == len(data["entry"])
    text = json.dumps(data)
    for part in text.split('"reference": "')[1:]:
        assert part.split('"', 1)[0] in urls
    only_pending = bundle_for(db, administrations=record["pending"])
    _parse(only_pending)
    assert [e["resource"]["resourceType"] for e in only_pending["entry"]] == ["Questionnaire"]
    assert bundle_for(db, administrations=record["submitted"]) == bundle_for(db, administrations=record["submitted"])
    assert bundle_for(db, administrations=[]) == {"resourceType": "Bundle", "type": "collection"}  # no empty arrays
