"""The same audience choice through the API, the web form and the CLI: accepted alike, and
refused alike with a 422 that names the field and says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app
from app.reports.models import Report
from tests.factories import Factory
from tests.reports import pdf_helpers, preview_pages
from tests.reports.db_factories import Scenario, days_ago, realistic_couple
from tests.web.conftest import Browser


@pytest.fixture
def okafors(db: Session, factory: Factory) -> Scenario:
    return realistic_couple(db, factory, weeks=3)


def _api_error(client: TestClient, factory: Factory, path: str, body: dict[str, object], counselor) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    response = client.post(path, json=body, headers=factory.headers(counselor))
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    return problem["loc"][-1], problem["msg"]


def test_api_refuses_bad_combinations_by_field(client: TestClient, db: Session, factory: Factory,
                                                okafors: Scenario) -> None:
    couple_path, client_path = f"/api/v1/couples/{okafors.couple.id}/reports", f"/api/v1/clients/{okafors.a.id}/reports"
    stranger = factory.client(okafors.counselor, first="Sam", last="Stone")
    cases = [
        (client_path, {"audience": "couple"}, "audience", "A copy for the couple needs a couple"),
        (couple_path, {"audience": "partner", "partner_id": stranger.id}, "partner_id",
         "That person is not a partner in this couple"),
        (couple_path, {"audience": "partner"}, "partner_id", "Choose which partner this copy is for"),
        (client_path, {"audience": "partner", "partner_id": okafors.b.id}, "partner_id", "for that client"),
        (couple_path, {"audience": "clinical", "partner_id": okafors.a.id}, "partner_id",
         "Choose a partner only for one partner's own copy"),
        (couple_path, {"audience": "couple", "dates_shifted": True}, "dates_shifted",
         "Only a supervision copy can have its dates shifted"),
        (couple_path, {"audience": "everyone"}, "audience", "Input should be"),
    ]
    for path, body, name, words in cases:
        for url in (path, f"{path}/preview"):
            field, message = _api_error(client, factory, url, body, okafors.counselor)
            assert field == name and words in message, (url, body, message)
    assert db.exec(select(Report)).all() == []


def test_api_and_web_preview_accept_the_same_choice(client: TestClient, db: Session, factory: Factory,
                                                     okafors: Scenario) -> None:
    choice = {"audience": "partner", "partner_id": okafors.b.id, "period_start": days_ago(80).date().isoformat()}
    api = client.post(f"/api/v1/couples/{okafors.couple.id}/reports/preview", json=choice,
                      headers=factory.headers(okafors.counselor))
    assert api.status_code == 200, api.text
    browser = Browser(client, okafors.counselor)
    web = browser.post(f"/couples/{okafors.couple.id}/report/preview", {k: str(v) for k, v in choice.items()})
    assert web.status_code == 200, web.text
    assert preview_pages.without_bar(web.text) == api.text  # the web page only adds its navigation
    assert "For Daniel only" in web.text and "Maya" not in web.text


def test_web_form_offers_the_audiences_and_refuses_bad_combinations(client: TestClient, db: Session,
                                                                     factory: Factory, okafors: Scenario) -> None:
    browser = Browser(client, okafors.counselor)
    form = browser.get(f"/couples/{okafors.couple.id}/report").text
    assert '<label for="audience">Audience</label>' in form and '<select id="audience" name="audience"' in form
    for value, words in (("clinical", "Clinical record"), ("couple", "For the couple"),
                         ("partner", "For one partner"), ("supervision", "For supervision")):
        assert f'<option value="{value}"' in form and words in form
    assert 'aria-describedby="audience-hint"' in form and "nothing of the other partner" in form
    assert f'<option value="{okafors.a.id}">Maya Okafor</option>' in form
    assert 'type="checkbox" value="true"' in form and '<label for="dates_shifted">' in form
    # A client alone: no couple's copy on offer, and a crafted one is refused next to its field.
    alone = browser.get(f"/clients/{okafors.a.id}/report").text
    assert '<option value="couple"' not in alone and "For the client" in alone
    bad = browser.post(f"/clients/{okafors.a.id}/report/preview", {"audience": "couple"})
    assert bad.status_code == 422 and 'id="audience-error"' in bad.text
    assert "A copy for the couple needs a couple" in bad.text
    stranger = factory.client(okafors.counselor, first="Sam", last="Stone")
    bad = browser.post(f"/couples/{okafors.couple.id}/report/pdf",
                       {"audience": "partner", "partner_id": str(stranger.id)})
    assert bad.status_code == 422 and 'id="partner_id-error"' in bad.text
    assert "That person is not a partner in this couple" in bad.text
    bad = browser.post(f"/couples/{okafors.couple.id}/report/preview", {"audience": "couple", "dates_shifted": "true"})
    assert bad.status_code == 422 and 'id="dates_shifted-error"' in bad.text and "checked" in bad.text
    assert "Only a supervision copy can have its dates shifted" in bad.text
    bad = browser.post(f"/couples/{okafors.couple.id}/report/preview",
                       {"audience": "couple", "partner_id": str(okafors.a.id)})
    assert bad.status_code == 422 and "Choose a partner only for one partner&#39;s own copy" in bad.text
    assert db.exec(select(Report)).all() == []


def test_web_pdf_records_the_audience_and_the_list_shows_it(client: TestClient, db: Session, factory: Factory,
                                                           okafors: Scenario) -> None:
    browser = Browser(client, okafors.counselor)
    made = browser.post(f"/couples/{okafors.couple.id}/report/pdf",
                        {"audience": "supervision", "dates_shifted": "true"})
    assert made.status_code == 200
    assert 'filename="mend-report-supervision.pdf"' in made.headers["content-disposition"]
    assert "Okafor" not in pdf_helpers.text(made.content)
    made = browser.post(f"/couples/{okafors.couple.id}/report/pdf",
                        {"audience": "partner", "partner_id": str(okafors.a.id)})
    assert made.status_code == 200
    rows = db.exec(select(Report).order_by(Report.id)).all()  # type: ignore[arg-type]
    assert [(r.audience, r.partner_id, r.dates_shifted) for r in rows] == [
        ("supervision", None, True), ("partner", okafors.a.id, False)]
    page = browser.get(f"/couples/{okafors.couple.id}/report").text
    assert '<td data-label="For">For supervision, dates shifted</td>' in page
    assert '<td data-label="For">For Maya only</td>' in page
    listed = client.get(f"/api/v1/couples/{okafors.couple.id}/reports",
                        headers=factory.headers(okafors.counselor)).json()
    assert [(r["audience"], r["partner_id"], r["dates_shifted"]) for r in listed] == [
        ("partner", okafors.a.id, False), ("supervision", None, True)]


runner = CliRunner()


def test_cli_writes_the_chosen_copy(db: Session, factory: Factory, okafors: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "sup.pdf"
    result = runner.invoke(app, ["report", "--couple", str(okafors.couple.id), "-o", str(out),
                                 "--audience", "supervision", "--shift-dates"])
    assert result.exit_code == 0, result.output
    text = pdf_helpers.text(out.read_bytes())
    assert "For supervision — pseudonymised, dates shifted" in text and "Maya" not in text
    out = tmp_path / "maya.pdf"
    result = runner.invoke(app, ["report", "--couple", str(okafors.couple.id), "-o", str(out),
                                 "--audience", "partner", "--partner", str(okafors.a.id)])
    assert result.exit_code == 0, result.output
    assert "For Maya only" in pdf_helpers.text(out.read_bytes())
    rows = db.exec(select(Report).order_by(Report.id)).all()  # type: ignore[arg-type]
    assert [(r.audience, r.dates_shifted) for r in rows] == [("supervision", True), ("partner", False)]
    refused = runner.invoke(app, ["report", "--couple", str(okafors.couple.id), "-o", str(tmp_path / "x.pdf"),
                                  "--audience", "partner"])
    assert refused.exit_code == 2 and "Choose which partner this copy is for" in refused.output
    refused = runner.invoke(app, ["report", "--all", "--out-dir", str(tmp_path), "--audience", "partner"])
    assert refused.exit_code == 2 and "for one couple" in refused.output
    refused = runner.invoke(app, ["report", "--couple", "1", "-o", str(tmp_path / "y.pdf"), "--shift-dates"])
    assert refused.exit_code == 2 and "Only a supervision copy" in refused.output
