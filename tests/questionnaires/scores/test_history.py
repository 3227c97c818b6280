"""Couple score history: numbers checked by hand, pairing of rounds, partner gaps."""

from __future__ import annotations

import math

import pytest

from app.clients.subjects import load_subject
from app.questionnaires.scores.history import score_histories
from tests.questionnaires.helpers import submitted_in_session, trust, uniform_answers


def _with_transparency(base: int, tr: tuple[int, int, int, int, int]) -> dict[str, int]:
    answers = uniform_answers(trust(), base)
    answers.update(dict(zip(["tr1", "tr2", "tr3", "tr4", "tr5"], tr, strict=True)))
    return answers


def test_history_numbers_by_hand(client, factory, db):
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Quentin"))
    a, b = couple.partner_a_id, couple.partner_b_id
    # Transparency = tr1..tr5; tr3 and tr5 are reverse-keyed (keyed = 1 + 5 - answer).
    # A, 30 days ago: answers 2,2,2,2,2 -> keyed 2,2,4,2,4 -> mean 14/5 = 2.8 (band Mixed)
    a1 = submitted_in_session(db, counselor, a, _with_transparency(3, (2, 2, 2, 2, 2)), couple_id=couple.id,
                              days_ago=30)
    # A, 2 days ago: answers 5,5,1,5,1 -> keyed 5,5,5,5,5 -> mean 5.0 (band Strong)
    a2 = submitted_in_session(db, counselor, a, _with_transparency(3, (5, 5, 1, 5, 1)), couple_id=couple.id,
                              days_ago=2)
    # B, 60 days ago: no A administration within 21 days (A's first is 30 days away) -> no gap point.
    submitted_in_session(db, counselor, b, _with_transparency(3, (3, 3, 3, 3, 3)), couple_id=couple.id, days_ago=60)
    # B, 28 days ago: all 3 -> mean 3.0; pairs with A1 (2 days apart).
    b1 = submitted_in_session(db, counselor, b, _with_transparency(3, (3, 3, 3, 3, 3)), couple_id=couple.id,
                              days_ago=28)
    # B, today: answers 1,1,5,1,5 -> keyed 1,1,1,1,1 -> mean 1.0; pairs with A2 (2 days apart).
    b2 = submitted_in_session(db, counselor, b, _with_transparency(3, (1, 1, 5, 1, 5)), couple_id=couple.id,
                              days_ago=0)
    db.commit()

    history = client.get(f"/api/v1/couples/{couple.id}/scores?instrument_id=trust-rebuilding",
                         headers=factory.headers(counselor))
    assert history.status_code == 200, history.text
    [body] = history.json()
    assert body["pairing_window_days"] == 21 and body["gap_threshold"] == 1.0
    transparency = next(s for s in body["subscales"] if s["subscale"] == "transparency")
    assert transparency["reliability"] == 0.8 and transparency["reliability_source"] == "definition"

    points = transparency["partner_a"]["points"]
    assert [p["administration_id"] for p in points] == [a1.id, a2.id]
    assert points[0]["mean"] == pytest.approx(2.8) and points[0]["band"] == "Mixed"
    assert points[0]["from_baseline"] is None and points[0]["from_previous"] is None
    assert points[1]["mean"] == pytest.approx(5.0) and points[1]["band"] == "Strong"
    # SEdiff = sqrt(2) * SD * sqrt(1 - r) = 1.41421 * 0.8 * sqrt(0.2) = 0.505964
    # delta = 5.0 - 2.8 = 2.2; RCI = 2.2 / 0.505964 = 4.3481 > 1.96 -> reliable improvement
    change = points[1]["from_baseline"]
    assert change["from_administration_id"] == a1.id
    assert change["se_diff"] == pytest.approx(math.sqrt(2) * 0.8 * math.sqrt(0.2))
    assert change["delta"] == pytest.approx(2.2)
    assert change["rci"] == pytest.approx(4.3481, abs=1e-4)
    assert change["reliable"] is True and change["label"] == "reliable improvement"
    assert change["reliability_source"] == "definition"
    assert points[1]["from_previous"]["rci"] == pytest.approx(change["rci"])

    b_points = transparency["partner_b"]["points"]
    assert [p["mean"] for p in b_points] == pytest.approx([3.0, 3.0, 1.0])
    # B from previous (3.0 -> 1.0): delta -2.0, RCI = -2.0 / 0.505964 = -3.9528 -> reliable deterioration
    assert b_points[2]["from_previous"]["rci"] == pytest.approx(-3.9528, abs=1e-4)
    assert b_points[2]["from_previous"]["label"] == "reliable deterioration"
    assert b_points[1]["from_baseline"]["reliable"] is False  # 3.0 -> 3.0

    # Rounds: (A1, B1) 2 days apart and (A2, B2) 2 days apart; B's first has no partner point.
    gaps = transparency["gaps"]
    assert [(g["a_administration_id"], g["b_administration_id"]) for g in gaps] == [(a1.id, b1.id), (a2.id, b2.id)]
    # Each gap names the dates it paired.
    assert gaps[1]["a_submitted_at"][:10] == a2.submitted_at.date().isoformat()
    assert gaps[1]["b_submitted_at"][:10] == b2.submitted_at.date().isoformat()
    # Round 1: 2.8 - 3.0 = -0.2 (small); round 2: 5.0 - 1.0 = 4.0 >= threshold 1.0 (large)
    assert gaps[0]["difference"] == pytest.approx(-0.2) and gaps[0]["large"] is False
    assert gaps[1]["difference"] == pytest.approx(4.0) and gaps[1]["large"] is True
    # Every other subscale had all 3s throughout: mean 3.0, so both pairs show a gap of zero.
    empathy = next(s for s in body["subscales"] if s["subscale"] == "empathy")
    assert [g["difference"] for g in empathy["gaps"]] == pytest.approx([0.0, 0.0])


def test_history_function_returns_plain_data(db, factory):
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    subject = load_subject(db, actor=counselor, couple_id=couple.id)
    [result] = score_histories(db, subject=subject, instrument_id="trust-rebuilding")
    assert result.client_ids == (couple.partner_a_id, couple.partner_b_id)
    assert len(result.subscales) == len(trust().subscales)
    assert result.subscales[0].trajectories[0].points == () and result.subscales[0].gaps == ()
    assert score_histories(db, subject=subject) == []  # nothing submitted: no questionnaire to show


def test_unknown_or_unscored_instrument_is_a_clear_422(client, factory):
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    headers = factory.headers(counselor)
    unknown = client.get(f"/api/v1/couples/{couple.id}/scores?instrument_id=nope", headers=headers)
    assert unknown.status_code == 422 and "No questionnaire 'nope'" in unknown.text
    intake = client.get(f"/api/v1/couples/{couple.id}/scores?instrument_id=couples-intake", headers=headers)
    assert intake.status_code == 422 and "no subscales" in intake.text
