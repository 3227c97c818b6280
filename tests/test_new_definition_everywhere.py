"""A new definition file is the whole change: it reaches the send form, the API, the couple page
and the PDF without a line of code, because they ask the definitions which to show."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import ASSESSMENTS_DIR, get_settings
from app.instruments.catalog import default_catalog
from tests.reports import pdf_helpers
from tests.web.conftest import Browser

NEW = """
id: repair-steps
version: 1
title: Repair Steps Check
kind: assessment
description: Two short scales a practice added on its own.
scales:
  agree: {min: 1, max: 4, labels: [Not at all, A little, Mostly, Completely]}
sections:
  - id: main
    title: Repair
    items:
      - {id: rs1, type: scale, scale: agree, text: "My partner has said sorry in a way I believe."}
      - {id: rs2, type: scale, scale: agree, text: "I can see what my partner has learned."}
      - {id: rs3, type: scale, scale: agree, text: "I can picture us moving on together."}
      - {id: rs4, type: scale, scale: agree, text: "I have begun to forgive what happened."}
subscales:
  remorse:
    label: Remorse shown
    items: [rs1, rs2]
    reference_mean: 2.5
    reference_sd: 0.7
    reliability: 0.75
    bands: [{min: 1.0, max: 2.5, label: Early}, {min: 2.5, max: 4.0, label: Growing}]
  moving_on:
    label: Moving on
    items: [rs3, rs4]
    reference_mean: 2.5
    reference_sd: 0.7
    reliability: 0.75
    bands: [{min: 1.0, max: 2.5, label: Early}, {min: 2.5, max: 4.0, label: Growing}]
"""


@pytest.fixture
def practice_assessments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped definitions plus one new file, in a folder of the practice's own."""
    for path in ASSESSMENTS_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "repair-steps.v1.yaml").write_text(NEW, encoding="utf-8")
    monkeypatch.setattr(get_settings(), "assessments_dir", tmp_path)
    default_catalog.cache_clear()
    yield tmp_path
    default_catalog.cache_clear()


def _answer(client, headers, client_id: int, couple_id: int, values: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    given = client.post("/api/v1/administrations", headers=headers, json={
        "client_id": client_id, "couple_id": couple_id, "instrument_id": "repair-steps", "mode": "in_session"})
    assert given.status_code == 201, given.text
    admin_id = given.json()["id"]
    saved = client.put(f"/api/v1/administrations/{admin_id}/answers", headers=headers, json={"answers": values})
    assert saved.status_code == 200, saved.text
    assert client.post(f"/api/v1/administrations/{admin_id}/submit", headers=headers).status_code == 200


def test_a_new_definition_file_shows_up_everywhere(practice_assessments, client, factory) -> None:  # type: ignore[no-untyped-def]
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    headers = factory.headers(counselor)
    browser = Browser(client, counselor)
    form = browser.get(f"/couples/{couple.id}/send").text
    assert "Repair Steps Check" in form

    # Remorse = mean(rs1, rs2), moving on = mean(rs3, rs4): A 4,3 and 2,2 -> 3.5, 2.0; B 1,2 and 2,3 -> 1.5, 2.5.
    _answer(client, headers, couple.partner_a_id, couple.id, {"rs1": 4, "rs2": 3, "rs3": 2, "rs4": 2})
    _answer(client, headers, couple.partner_b_id, couple.id, {"rs1": 1, "rs2": 2, "rs3": 2, "rs4": 3})

    scores = client.get(f"/api/v1/couples/{couple.id}/scores", headers=headers).json()
    new = next(h for h in scores if h["instrument_id"] == "repair-steps")
    remorse = next(s for s in new["subscales"] if s["subscale"] == "remorse")
    assert remorse["partner_a"]["points"][0]["mean"] == 3.5 and remorse["partner_b"]["points"][0]["mean"] == 1.5
    assert remorse["gaps"][0]["size"] == 2.0 and remorse["gaps"][0]["large"]  # default threshold 1.0
    assert remorse["scale_min"] == 1 and remorse["scale_max"] == 4

    # The send form now suggests what was given here last time.
    assert 'value="repair-steps" checked' in browser.get(f"/couples/{couple.id}/send").text
    page = browser.get(f"/couples/{couple.id}").text
    assert "Repair Steps Check" in page and "Remorse shown" in page and "Moving on" in page

    pdf = client.post(f"/api/v1/couples/{couple.id}/reports", headers=headers, json={})
    assert pdf.status_code == 200, pdf.text
    text = pdf_helpers.text(pdf.content)
    assert "Scores over time: Repair Steps Check" in text
    assert "Remorse shown scale 1\u20134" in text and "Moving on scale 1\u20134" in text
    assert "Gap between partners: 2.00 now" in text
