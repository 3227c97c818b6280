"""The couple page and the API say what each change rests on, count subscales per partner
(no overall verdict) and never compare a subscale across a change of its items.

Transparency, v1 items tr1..tr5, the definition's SD 0.8, r 0.8 (provisional): SEdiff 0.505964.
A practice snapshot of v1 taken 50 days ago: alpha 0.81 (0.74-0.87), 42 clients, SD 0.5:
SEdiff = sqrt(2) * 0.5 * sqrt(0.19) = 0.308221. A made-up v2 drops tr5 from transparency.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from app.instruments.catalog import Catalog, default_catalog
from app.questionnaires.models import Administration, ReliabilitySnapshot, Score
from app.questionnaires.scores import history as scores_history
from app.reports.core.formatting import day
from tests.reports.db_factories import days_ago
from tests.web.conftest import Browser

TRUST = "trust-rebuilding"
PRACTICE_BASIS = "practice data, n = 42 clients, \u03b1 = 0.81 (0.74\u20130.87)"


@pytest.fixture
def two_versions(monkeypatch: pytest.MonkeyPatch) -> Catalog:
    """v1 as released and a v2 whose transparency has one item fewer (other subscales as v1)."""
    v1 = default_catalog().get(TRUST, 1)
    subscales = dict(v1.subscales)
    subscales["transparency"] = v1.subscales["transparency"].model_copy(update={"items": ["tr1", "tr2", "tr3", "tr4"]})
    v2 = v1.model_copy(update={"version": 2, "subscales": subscales})
    catalog = Catalog([v1, v2])
    monkeypatch.setattr(scores_history, "default_catalog", lambda: catalog)
    return catalog


def _stored(db, client_id: int, couple, version: int, ago: float, mean: float) -> Administration:  # type: ignore[no-untyped-def]
    """A submitted administration with its stored transparency score (histories never rescore)."""
    administration = Administration(
        practice_id=couple.practice_id, client_id=client_id, couple_id=couple.id, counselor_id=couple.counselor_id,
        instrument_id=TRUST, instrument_version=version, definition_checksum="x" * 64, mode="in_session",
        status="submitted", created_at=days_ago(ago) - timedelta(hours=1), submitted_at=days_ago(ago))
    db.add(administration)
    db.flush()
    db.add(Score(practice_id=couple.practice_id, administration_id=administration.id, subscale="transparency",
                 mean=mean, raw=mean * 5, answered=5, total=5, scored=True, band=None))
    db.commit()
    return administration


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_couple_page_and_api_show_basis_headline_and_version_break(client, db, factory, two_versions) -> None:
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    a, b = couple.partner_a_id, couple.partner_b_id
    db.add(ReliabilitySnapshot(practice_id=couple.practice_id, instrument_id=TRUST, instrument_version=1,
                               subscale="transparency", alpha=0.81, alpha_low=0.74, alpha_high=0.87, n_clients=42,
                               n_administrations=50, clients_seen=42, n_items=5, sd=0.5, reason="floor",
                               taken_at=days_ago(50)))
    db.commit()
    # B, v1: 3.0 (58 days ago, before the snapshot), 2.0 (40 days ago, after it):
    # -1.0 / 0.308221 = -3.2444 -> reliable deterioration, on the practice's data.
    _stored(db, b, couple, 1, 58, 3.0)
    b2 = _stored(db, b, couple, 1, 40, 2.0)
    # A, v1: 2.0 (60 days ago), 2.8 (55 days ago, before the snapshot): 0.8 / 0.505964 = 1.5811 -> none,
    # on the provisional values; then v2 (5 days ago) 3.0: different items, not compared.
    a1 = _stored(db, a, couple, 1, 60, 2.0)
    _stored(db, a, couple, 1, 55, 2.8)
    a3 = _stored(db, a, couple, 2, 5, 3.0)

    response = client.get(f"/api/v1/couples/{couple.id}/scores", headers=factory.headers(counselor))
    assert response.status_code == 200, response.text
    [body] = response.json()
    transparency = next(s for s in body["subscales"] if s["subscale"] == "transparency")
    a_points, b_points = transparency["partner_a"]["points"], transparency["partner_b"]["points"]
    assert [p["version_break"] for p in a_points] == [False, False, True]
    assert a_points[2]["note"] == "questionnaire version changed: not compared"
    assert a_points[2]["from_baseline"] is None and a_points[2]["instrument_version"] == 2
    assert a_points[1]["from_baseline"]["rci"] == pytest.approx(1.5811, abs=1e-4)
    assert a_points[1]["from_baseline"]["basis"] == "provisional reference values"
    assert a_points[1]["from_baseline"]["from_administration_id"] == a1.id
    change = b_points[1]["from_baseline"]
    assert change["rci"] == pytest.approx(-3.2444, abs=1e-4) and change["label"] == "reliable deterioration"
    assert (change["basis"], change["sd"], change["reliability"]) == (PRACTICE_BASIS, 0.5, 0.81)
    # Described by v2 (the newest answered), which has no snapshot: its provisional values are in force.
    assert (transparency["basis"], transparency["provisional"]) == ("provisional reference values", True)
    assert body["headline"] == [
        {"client_id": a, "role": "a", "reliable_improvement": 0, "reliable_deterioration": 0,
         "no_reliable_change": 0, "too_early": 1, "safety_alert": []},
        {"client_id": b, "role": "b", "reliable_improvement": 0, "reliable_deterioration": 1,
         "no_reliable_change": 0, "too_early": 0, "safety_alert": []},
    ]
    assert a3.id == a_points[2]["administration_id"] and b2.id == b_points[1]["administration_id"]

    page = Browser(client, counselor).get(f"/couples/{couple.id}").text
    text = _text(page)
    assert ("Maya Lee : reliable improvement 0 · reliable deterioration 0 · no reliable change 0 · "
            "too early to tell 1 (of 1 subscale, first score to latest)") in text
    assert ("Daniel Lee : reliable improvement 0 · reliable deterioration 1 · no reliable change 0 · "
            "too early to tell 0") in text
    row = text[text.index("Transparency Maya Lee"):]
    # Each first and latest score carries its date.
    assert row.startswith(f"Transparency Maya Lee 3.00 {_on(5)} 3.00 {_on(5)} too early to tell "
                          "(questionnaire version changed: not compared)")
    assert f"Daniel Lee 3.00 {_on(58)} 2.00 {_on(40)} reliable deterioration ({PRACTICE_BASIS})" in row
    assert "Maya Lee, " in text and ": questionnaire version changed: not compared" in text  # beside the chart
    assert "Reliable change: provisional reference values" in text
    for overall in ("getting better", "getting worse", "improving overall"):
        assert overall not in text.lower()


def test_a_guarded_subscale_reads_see_safety_alert_while_a_high_flag_is_open(client, db, factory) -> None:
    """A's latest answers raise the high-severity fear flag (es4, reverse-keyed, answered 5 -> keyed 1).
    Emotional safety 1.6 -> 3.4 (keyed 1,1,1,4,1 then 4,4,4,1,4): 1.8 / 0.537587 = 3.348, a reliable
    improvement, but it must not read as reassuring: no band, "see safety alert", not counted."""
    from app.clients.models import Client
    from tests.reports.db_factories import keyed_answers, same_everywhere, submit

    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    maya, daniel = db.get(Client, couple.partner_a_id), db.get(Client, couple.partner_b_id)
    submit(db, maya, couple=couple, when=days_ago(60), answers=keyed_answers(same_everywhere((1, 1, 1, 1, 1))))
    latest = {**keyed_answers(same_everywhere((4, 4, 4, 4, 4))), "es4": 5}
    submit(db, maya, couple=couple, when=days_ago(5), answers=latest)
    for ago in (58, 4):
        submit(db, daniel, couple=couple, when=days_ago(ago), answers=keyed_answers(same_everywhere((3, 3, 3, 3, 3))))
    db.commit()
    text = _text(Browser(client, counselor).get(f"/couples/{couple.id}").text)
    assert ("Maya Lee : reliable improvement 5 · reliable deterioration 0 · no reliable change 0 · too early to tell 0 "
            "(of 5 subscales, first score to latest) Emotional safety: see safety alert") in text
    assert "Daniel Lee : reliable improvement 0 · reliable deterioration 0 · no reliable change 6" in text
    row = text[text.index("Emotional safety Maya Lee"):]
    assert row.startswith(f"Emotional safety Maya Lee 1.60 {_on(60)} 3.40 {_on(5)} see safety alert "
                          "reliable improvement: see safety alert (provisional reference values)")
    assert f"Daniel Lee 3.20 {_on(58)} 3.20 {_on(4)} (Mixed) no reliable change" in row


def _on(ago: int) -> str:
    return day(days_ago(ago))
