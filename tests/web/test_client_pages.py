"""Questionnaires and progress reports for one client on their own (no couple context)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlmodel import select

from app.practice.models import Practice
from app.questionnaires.models import Administration
from app.reports.models import Report
from tests.web.conftest import Browser
from tests.web.helpers import submitted

LINK = re.compile(r'value="(http://testserver/q/[A-Za-z0-9_\-]+)"')
INSTRUMENTS = ("Trust Rebuilding Inventory", "Getting started", "Before today&#39;s session")


def _send(browser: Browser, client_id: int, instrument: str = "session-checkin", **extra: str):  # type: ignore[no-untyped-def]
    return browser.post(f"/clients/{client_id}/send", {"instrument_id": instrument, **extra})


def test_send_a_link_to_one_client_shows_it_once(client, factory, db):
    me = factory.counselor()
    person = factory.client(me)
    other = factory.client(me, first="Sam", last="Okafor")
    browser = Browser(client, me)
    page = browser.get(f"/clients/{person.id}").text
    assert f'href="/clients/{person.id}/send"' in page and f'href="/clients/{person.id}/report"' in page
    form = browser.get(f"/clients/{person.id}/send").text
    assert all(title in form for title in INSTRUMENTS)
    assert "Alex Rivera" in form and 'name="client_ids"' not in form  # no one else to tick
    assert 'type="number" value="7"' in form and 'min="1" max="30" inputmode="numeric"' in form
    # A client_ids field is ignored: the link is for the client whose page this is.
    response = _send(browser, person.id, expires_in_days="10", client_ids=str(other.id))
    assert response.status_code == 200
    links = LINK.findall(response.text)
    assert len(links) == 1
    assert "Copy each link into a private message" in response.text and "/static/copy.js" in response.text
    assert "the client&#39;s page" in response.text and f'href="/clients/{person.id}"' in response.text
    assert response.headers["cache-control"] == "no-store"
    administration = db.exec(select(Administration)).one()
    assert (administration.client_id, administration.couple_id, administration.mode) == (person.id, None, "link")
    client_page = browser.get(f"/clients/{person.id}").text
    assert links[0] not in client_page  # never shown again
    assert "Before today" in client_page and f"/administrations/{administration.id}/revoke" in client_page
    assert client.get(links[0].replace("http://testserver", ""), follow_redirects=False).status_code == 303


def test_revoke_and_new_link_return_to_the_client_page(client, factory, db):
    me = factory.counselor()
    person = factory.client(me)
    browser = Browser(client, me)
    old_link = LINK.findall(_send(browser, person.id).text)[0].replace("http://testserver", "")
    administration = db.exec(select(Administration)).one()
    revoked = browser.post(f"/administrations/{administration.id}/revoke", follow_redirects=False)
    assert revoked.headers["location"] == f"/clients/{person.id}?notice=link-revoked#links-h"
    page = browser.get(revoked.headers["location"]).text
    assert "The link was revoked" in page and "Revoked" in page
    assert client.get(old_link).status_code == 404
    resent = browser.post(f"/administrations/{administration.id}/resend")
    new_link = LINK.findall(resent.text)[0].replace("http://testserver", "")
    assert new_link != old_link and f'href="/clients/{person.id}"' in resent.text
    assert client.get(new_link, follow_redirects=False).status_code == 303


def test_send_form_errors_keep_what_was_typed(client, factory, db):
    me = factory.counselor()
    person = factory.client(me)
    browser = Browser(client, me)
    response = _send(browser, person.id, expires_in_days="500")
    assert response.status_code == 422
    assert 'id="expires_in_days-error"' in response.text and 'value="500"' in response.text
    assert re.search(r'value="session-checkin"\s+checked', response.text)
    missing = browser.post(f"/clients/{person.id}/send", {"expires_in_days": "7"})
    assert missing.status_code == 422 and 'id="instrument_id-error"' in missing.text
    assert db.exec(select(Administration)).first() is None


def test_a_discharged_client_gets_no_link(client, factory, db):
    me = factory.counselor()
    person = factory.client(me)
    browser = Browser(client, me)
    browser.post(f"/clients/{person.id}/discharge")
    assert "Send a questionnaire" not in browser.get(f"/clients/{person.id}").text
    response = _send(browser, person.id)
    assert response.status_code == 422 and 'id="client_ids-error"' in response.text
    assert "discharged" in response.text
    assert db.exec(select(Administration)).first() is None


def test_client_report_preview_and_pdf(client, factory, db):
    me = factory.counselor()
    person = factory.client(me)
    submitted(db, me, None, client_id=person.id, value=4)
    browser = Browser(client, me)
    form = browser.get(f"/clients/{person.id}/report")
    assert form.status_code == 200 and "Progress report for Alex Rivera" in form.text
    assert f'action="/clients/{person.id}/report/preview"' in form.text
    assert f'formaction="/clients/{person.id}/report/pdf"' in form.text
    preview = browser.post(f"/clients/{person.id}/report/preview", {"paper": "A4"})
    assert preview.status_code == 200 and "Rivera" in preview.text
    csp = preview.headers["content-security-policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp and "script-src 'none'" in csp
    bad = browser.post(f"/clients/{person.id}/report/preview",
                       {"period_start": "2020-05-01", "period_end": "2020-01-01"})
    assert bad.status_code == 422 and 'id="period_end-error"' in bad.text and 'value="2020-05-01"' in bad.text
    pdf = browser.post(f"/clients/{person.id}/report/pdf", {"paper": "A4"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith('attachment; filename="mend-report-')
    assert pdf.headers["cache-control"] == "no-store"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Rivera" in text and "Page 1 of" in text
    report = db.exec(select(Report)).one()
    assert (report.client_id, report.couple_id) == (person.id, None)
    assert report.filename in browser.get(f"/clients/{person.id}/report").text


def test_csrf_missing_or_wrong_is_refused_and_nothing_is_written(client, factory, db):
    me = factory.counselor()
    person = factory.client(me)
    Browser(client, me)  # signed in; the posts below skip the page's token
    for token in (None, "not-the-token"):
        extra = {"csrf_token": token} if token else {}
        send = client.post(f"/clients/{person.id}/send", data={"instrument_id": "session-checkin", **extra})
        pdf = client.post(f"/clients/{person.id}/report/pdf", data={"paper": "A4", **extra})
        assert (send.status_code, pdf.status_code) == (403, 403)
    assert db.exec(select(Administration)).first() is None
    assert db.exec(select(Report)).first() is None


@pytest.mark.parametrize("whose", ["another practice", "another counselor"])
def test_someone_elses_client_is_not_found_on_every_new_route(client, factory, db, whose):
    me = factory.counselor()
    same_practice = db.get(Practice, me.practice_id)
    them = factory.owner() if whose == "another practice" else factory.counselor(same_practice)
    person = factory.client(them, first="Quill", last="Zanzibar")
    browser = Browser(client, me)
    base = f"/clients/{person.id}"
    for url in (f"{base}/send", f"{base}/report"):
        response = browser.get(url)
        assert response.status_code == 404, url
        assert "Zanzibar" not in response.text
    for url, data in ((f"{base}/send", {"instrument_id": "session-checkin"}), (f"{base}/report/pdf", {}),
                      (f"{base}/report/preview", {})):
        response = browser.post(url, data)
        assert response.status_code == 404, url
        assert "Zanzibar" not in response.text
    assert db.exec(select(Administration)).first() is None
    assert db.exec(select(Report)).first() is None


def test_text_limits_reach_the_pages_as_maxlength_with_the_counter_script(client, factory):
    """Each textarea's maxlength is its schema's limit, so the counter and the server agree."""
    from app.clients.schemas import CoupleCreate
    from app.practice.schemas import PracticeUpdate
    from app.reports.schemas import ReportRequest
    from app.sessions.schemas import NOTE_MAX, AddendumCreate, AgreementUpdate

    def limit(model, name: str) -> int:  # type: ignore[no-untyped-def]
        return next(m.max_length for m in model.model_fields[name].metadata if hasattr(m, "max_length"))

    owner = factory.owner()
    couple = factory.couple(owner)
    draft, signed = factory.therapy_session(couple), factory.therapy_session(couple, status="signed")
    agreement = factory.agreement(couple)
    browser = Browser(client, owner)
    pages = {
        f"/sessions/{draft.id}": {n: NOTE_MAX for n in ("note_data", "note_assessment", "note_plan")},
        f"/sessions/{signed.id}": {"text": limit(AddendumCreate, "text")},
        f"/agreements/{agreement.id}": {"note": limit(AgreementUpdate, "note")},
        f"/couples/{couple.id}/report": {"summary": limit(ReportRequest, "summary")},
        "/couples/new": {"breach_summary": limit(CoupleCreate, "breach_summary")},
        "/settings": {"support_text": limit(PracticeUpdate, "support_text")},
        f"/couples/{couple.id}/sessions/new": {n: NOTE_MAX for n in ("note_data", "note_assessment", "note_plan")},
    }
    for url, fields in pages.items():
        html = browser.get(url).text
        assert '<script src="/static/counter.js" defer></script>' in html, url
        for name, most in fields.items():
            pattern = rf'<textarea id="{name}" name="{name}" rows="\d+"[^>]*? maxlength="{most}"'
            assert re.search(pattern, html), (url, name)
    assert "maxlength" in client.get("/static/counter.js").text
