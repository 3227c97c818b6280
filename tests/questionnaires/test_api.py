"""Counselor API: giving questionnaires, in-session entry, bad input, flags, audit."""

from __future__ import annotations

from sqlmodel import select

from app.audit.models import AuditEvent
from app.practice.models import Practice
from app.questionnaires.models import AdministrationFlag, Score
from app.scoring import score_administration
from tests.questionnaires.helpers import TRUST, calm_answers, fear_item, give, trust, uniform_answers


def _field_of(response) -> list[str]:
    return [str(part) for error in response.json()["detail"] for part in error["loc"]]


def test_instruments_lists_latest_versions(client, factory):
    headers = factory.headers(factory.counselor())
    body = client.get("/api/v1/instruments", headers=headers).json()
    by_id = {i["id"]: i for i in body}
    assert {"trust-rebuilding", "couples-intake"} <= set(by_id)
    assert [s["id"] for s in by_id[TRUST]["subscales"]][:2] == ["transparency", "accountability"]
    assert client.get("/api/v1/instruments").status_code == 401


def test_create_in_couple_context_and_list(client, factory):
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    headers = factory.headers(counselor)
    made = give(client, headers, couple.partner_a_id, couple_id=couple.id)
    assert made["couple_id"] == couple.id and made["instrument_version"] == trust().version and made["mode"] == "link"
    assert made["total_items"] == len(trust().items) and made["answered"] == 0
    in_session = give(client, headers, couple.partner_b_id, couple_id=couple.id, mode="in_session")
    assert in_session["link"] is None and in_session["expires_at"] is None
    listed = client.get(f"/api/v1/couples/{couple.id}/administrations", headers=headers).json()
    assert {a["id"] for a in listed} == {made["id"], in_session["id"]}
    mine = client.get(f"/api/v1/clients/{couple.partner_a_id}/administrations", headers=headers).json()
    assert [a["id"] for a in mine] == [made["id"]]


def test_bad_inputs_name_the_field_and_never_500(client, factory):
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    outsider = factory.client(counselor, first="Sam")
    other_practice_client = factory.client(factory.counselor())
    headers = factory.headers(counselor)
    cases = [
        ({"client_id": outsider.id, "instrument_id": "no-such-thing"}, "instrument_id"),
        ({"client_id": outsider.id, "instrument_id": TRUST, "version": 99}, "version"),
        ({"client_id": outsider.id, "instrument_id": TRUST, "couple_id": couple.id}, "couple_id"),
        ({"client_id": other_practice_client.id, "instrument_id": TRUST}, "client_id"),
        ({"client_id": 999_999, "instrument_id": TRUST}, "client_id"),
        ({"client_id": outsider.id, "instrument_id": TRUST, "expires_in_days": 0}, "expires_in_days"),
        ({"client_id": outsider.id, "instrument_id": TRUST, "expires_in_days": 31}, "expires_in_days"),
        ({"client_id": outsider.id, "instrument_id": TRUST, "mode": "carrier_pigeon"}, "mode"),
        ({"client_id": outsider.id, "instrument_id": TRUST, "mode": "in_session", "expires_in_days": 3},
         "expires_in_days"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/administrations", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert field in _field_of(response), (body, response.text)
    history = client.get(f"/api/v1/couples/{couple.id}/scores?instrument_id=nope", headers=headers)
    assert history.status_code == 422 and "instrument_id" in _field_of(history)


def test_in_session_entry_scores_like_the_link(client, factory, db):
    counselor = factory.counselor()
    someone = factory.client(counselor)
    headers = factory.headers(counselor)
    made = give(client, headers, someone.id, mode="in_session")
    url = f"/api/v1/administrations/{made['id']}"
    answers = {**calm_answers(trust(), 3), fear_item(trust()): 5}  # afraid: 5 raises the high safety flag

    bad = client.put(f"{url}/answers", json={"answers": {"tr1": 9, "zz9": 1}}, headers=headers)
    assert bad.status_code == 422 and "tr1" in bad.text and "zz9" in bad.text
    half = dict(list(answers.items())[:10])
    saved = client.put(f"{url}/answers", json={"answers": half}, headers=headers)
    assert saved.status_code == 200 and saved.json()["status"] == "in_progress" and saved.json()["answered"] == 10
    early = client.post(f"{url}/submit", headers=headers)
    assert early.status_code == 422 and list(answers)[10] in early.text
    client.put(f"{url}/answers", json={"answers": answers}, headers=headers)
    done = client.post(f"{url}/submit", headers=headers)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["administration"]["status"] == "submitted"
    expected = score_administration(trust(), answers)
    assert {s["subscale"]: s["mean"] for s in body["scores"]} == {
        k: v.mean for k, v in expected.subscales.items()}
    assert [f["severity"] for f in body["flags"]] == [f.severity for f in expected.flags]
    assert client.post(f"{url}/submit", headers=headers).status_code == 200  # again: no change
    assert len(db.exec(select(Score).where(Score.administration_id == made["id"])).all()) == len(expected.subscales)
    assert client.put(f"{url}/answers", json={"answers": {"tr1": 1}}, headers=headers).status_code == 409
    assert client.post(f"{url}/revoke", headers=headers).status_code == 409
    assert client.post(f"{url}/resend", headers=headers).status_code == 409


def test_read_answers_has_texts_scores_flags_and_is_audited(client, factory, db):
    counselor = factory.counselor()
    someone = factory.client(counselor)
    headers = factory.headers(counselor)
    made = give(client, headers, someone.id, mode="in_session")
    url = f"/api/v1/administrations/{made['id']}"
    client.put(f"{url}/answers", json={"answers": {**calm_answers(trust(), 4), fear_item(trust()): 3}}, headers=headers)
    client.post(f"{url}/submit", headers=headers)
    body = client.get(f"{url}/answers", headers=headers).json()
    first = body["answers"][0]
    assert first["text"] == trust().items[0].text and first["display"] == "Agree (4)"
    assert len(body["scores"]) == len(trust().subscales) and body["flags"][0]["severity"] == "medium"
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.entity == "administration",
                                                      AuditEvent.entity_id == made["id"])).all()
    assert {"create", "submit", "read_answers"} <= set(actions)


def test_clearing_required_answers_blocks_submit(client, factory, db):
    counselor = factory.counselor()
    headers = factory.headers(counselor)
    made = give(client, headers, factory.client(counselor).id, mode="in_session")
    url = f"/api/v1/administrations/{made['id']}"
    answers = uniform_answers(trust(), 3)
    client.put(f"{url}/answers", json={"answers": answers}, headers=headers)
    # null clears an answer; these are required, so submission must refuse (naming both items)
    # rather than store a half-empty score.
    client.put(f"{url}/answers", json={"answers": {"tr1": None, "tr2": None}}, headers=headers)
    refused = client.post(f"{url}/submit", headers=headers)
    assert refused.status_code == 422 and "tr1" in refused.text and "tr2" in refused.text


def test_flags_list_and_resolve_are_caseload_scoped(client, factory, db):
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    headers = factory.headers(counselor)
    made = give(client, headers, couple.partner_a_id, couple_id=couple.id, mode="in_session")
    url = f"/api/v1/administrations/{made['id']}"
    client.put(f"{url}/answers", json={"answers": {**calm_answers(trust(), 3), fear_item(trust()): 5}}, headers=headers)
    client.post(f"{url}/submit", headers=headers)
    open_flags = client.get("/api/v1/flags?status=open", headers=headers).json()
    assert len(open_flags) == 1
    flag = open_flags[0]
    assert flag["client_name"] == "Jamie Lee" and flag["couple_id"] == couple.id and flag["severity"] == "high"
    colleague = factory.counselor(db.get(Practice, counselor.practice_id))  # same practice, not their caseload
    for other in (colleague, factory.counselor()):
        other_headers = factory.headers(other)
        assert client.get("/api/v1/flags", headers=other_headers).json() == []
        assert client.post(f"/api/v1/flags/{flag['id']}/resolve", headers=other_headers).status_code == 404
    owner = factory.owner(db.get(Practice, counselor.practice_id))
    assert len(client.get("/api/v1/flags", headers=factory.headers(owner)).json()) == 1
    resolved = client.post(f"/api/v1/flags/{flag['id']}/resolve", json={"note": "Called her; safe"}, headers=headers)
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    assert resolved.json()["resolution_note"] == "Called her; safe"
    assert resolved.json()["resolved_by_name"] == counselor.full_name
    assert client.get("/api/v1/flags?status=open", headers=headers).json() == []
    listed = client.get("/api/v1/flags?status=resolved", headers=headers).json()
    assert [(f["resolution_note"], f["resolved_by_name"]) for f in listed] == [
        ("Called her; safe", counselor.full_name)]
    assert db.exec(select(AdministrationFlag)).one().resolved_by_id == counselor.id


def test_in_session_submit_records_share_scores(client, factory, db):
    counselor = factory.counselor()
    headers = factory.headers(counselor)
    couple = factory.couple(counselor)
    shown = {}
    for client_id, body in ((couple.partner_a_id, {"share_scores": True}), (couple.partner_b_id, None)):
        made = give(client, headers, client_id, couple_id=couple.id, mode="in_session")
        url = f"/api/v1/administrations/{made['id']}"
        client.put(f"{url}/answers", json={"answers": uniform_answers(trust(), 4)}, headers=headers)
        done = client.post(f"{url}/submit", json=body, headers=headers)
        assert done.status_code == 200, done.text
        shown[client_id] = done.json()["administration"]["share_scores"]
        assert client.get(url, headers=headers).json()["share_scores"] is shown[client_id]
    assert shown == {couple.partner_a_id: True, couple.partner_b_id: False}  # not sharing is the default
    made = give(client, headers, couple.partner_a_id, couple_id=couple.id, mode="in_session")
    bad = client.post(f"/api/v1/administrations/{made['id']}/submit", json={"share_scores": "perhaps"},
                      headers=headers)
    assert bad.status_code == 422 and "share_scores" in _field_of(bad)


def test_administration_shows_link_alerts_never_the_passcode_hash(client, factory, db):
    from app.db import utcnow
    from app.questionnaires.models import Administration, LinkEvent

    counselor = factory.counselor()
    headers = factory.headers(counselor)
    someone = factory.client(counselor)
    made = give(client, headers, someone.id)
    fresh = client.get(f"/api/v1/administrations/{made['id']}", headers=headers).json()
    assert (fresh["locked"], fresh["failed_passcodes"], fresh["opened_in_browsers"]) == (False, 0, 0)
    row = db.get(Administration, made["id"])
    row.passcode_hash, row.passcode_failures, row.locked_at = "argon2-hash-marker", 5, utcnow()
    db.add(row)
    for browser in ("b" * 64, "c" * 64, "c" * 64, None):
        db.add(LinkEvent(practice_id=row.practice_id, administration_id=row.id, kind="opened", browser=browser))
    db.add(LinkEvent(practice_id=row.practice_id, administration_id=row.id, kind="passcode_failed",
                     browser="d" * 64))
    db.commit()
    for body in (client.get(f"/api/v1/administrations/{made['id']}", headers=headers).json(),
                 client.get(f"/api/v1/clients/{someone.id}/administrations", headers=headers).json()[0],
                 client.get(f"/api/v1/administrations/{made['id']}/answers", headers=headers).json()["administration"]):
        assert (body["locked"], body["failed_passcodes"], body["opened_in_browsers"]) == (True, 5, 2)
        assert body["locked_at"] and "passcode_hash" not in body and "argon2-hash-marker" not in str(body)
