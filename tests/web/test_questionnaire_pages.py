"""Sending questionnaires (link shown once), revoking, resending; report preview and PDF."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlmodel import select

from app.questionnaires.models import Administration
from app.reports.models import Report
from tests.web.conftest import Browser
from tests.web.helpers import submitted

LINK = re.compile(r'value="(http://testserver/q/[A-Za-z0-9_\-]+)"')


def test_send_to_both_partners_shows_each_link_once(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    form = browser.get(f"/couples/{couple.id}/send").text
    assert "Trust Rebuilding Inventory" in form
    response = browser.post(f"/couples/{couple.id}/send", {
        "instrument_id": "trust-rebuilding", "expires_in_days": "10",
        "client_ids": [str(couple.partner_a_id), str(couple.partner_b_id)],
    })
    assert response.status_code == 200
    links = LINK.findall(response.text)
    assert len(links) == 2 and links[0] != links[1]
    assert "Copy each link into a private message" in response.text and '/static/copy.js' in response.text
    assert response.headers["cache-control"] == "no-store"
    couple_page = browser.get(f"/couples/{couple.id}").text
    assert not any(link in couple_page for link in links)
    assert client.get(links[0].replace("http://testserver", ""), follow_redirects=False).status_code == 303


def test_send_form_errors(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    response = browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding",
                                                           "expires_in_days": "500"})
    assert response.status_code == 422
    assert 'id="client_ids-error"' in response.text and 'id="expires_in_days-error"' in response.text
    assert db.exec(select(Administration)).first() is None


def test_revoke_then_resend(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    browser = Browser(client, me)
    sent = browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding",
                                                       "client_ids": str(couple.partner_a_id)})
    old_link = LINK.findall(sent.text)[0].replace("http://testserver", "")
    administration = db.exec(select(Administration)).one()
    revoked = browser.post(f"/administrations/{administration.id}/revoke")
    assert "The link was revoked" in revoked.text and "Revoked" in revoked.text
    assert client.get(old_link).status_code == 404
    resent = browser.post(f"/administrations/{administration.id}/resend")
    new_link = LINK.findall(resent.text)[0].replace("http://testserver", "")
    assert new_link != old_link
    assert client.get(new_link, follow_redirects=False).status_code == 303


def test_report_preview_and_pdf(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    factory.therapy_session(couple, status="signed")
    submitted(db, me, couple, client_id=couple.partner_a_id, value=4)
    submitted(db, me, couple, client_id=couple.partner_b_id, value=2)
    browser = Browser(client, me)
    assert "Download PDF" in browser.get(f"/couples/{couple.id}/report").text
    preview = browser.post(f"/couples/{couple.id}/report/preview", {"summary": "Relapse disclosed"})
    assert preview.status_code == 200 and "Jamie" in preview.text and "Relapse disclosed" in preview.text
    csp = preview.headers["content-security-policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp and "script-src 'none'" in csp
    bad = browser.post(f"/couples/{couple.id}/report/preview",
                       {"period_start": "2020-05-01", "period_end": "2020-01-01"})
    assert bad.status_code == 422 and 'id="period_end-error"' in bad.text and 'value="2020-05-01"' in bad.text
    pdf = browser.post(f"/couples/{couple.id}/report/pdf", {"paper": "A4"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Jamie" in text and "Confidential" in text
    assert db.exec(select(Report)).one().couple_id == couple.id
    assert browser.post(f"/couples/{couple.id}/report/pdf", {"paper": "A4", "csrf_token": "x"}).status_code == 403


def test_a_send_to_someone_who_holds_an_open_link_makes_nothing_for_anyone(client, factory, db):
    from html import unescape

    me = factory.counselor()
    couple = factory.couple(me, names=("Maya", "Jonah"))
    browser = Browser(client, me)
    both = [str(couple.partner_a_id), str(couple.partner_b_id)]
    browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding", "client_ids": both[0]})
    assert len(db.exec(select(Administration)).all()) == 1
    response = browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding",
                                                           "expires_in_days": "10", "client_ids": both})
    assert response.status_code == 422
    html = unescape(response.text)
    error = html[html.index('id="client_ids-error"'):]
    error = error[:error.index("</p>")]
    assert "Maya Lee already has an open link to \u201cTrust Rebuilding Inventory\u201d, sent " in error
    assert "\u201cNew link\u201d on the couple's page (the old link then stops working)" in error
    assert "No link was made for anyone" in error and "Jonah" not in error
    for client_id in both:  # the choices are kept as they were ticked
        assert f'id="client_{client_id}" name="client_ids" value="{client_id}" checked' in html
    assert 'value="10"' in html
    assert len(db.exec(select(Administration)).all()) == 1  # Jonah got nothing either
    alone = browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding", "client_ids": both[0]})
    assert alone.status_code == 422 and "No link was made for anyone" not in unescape(alone.text)
    assert browser.post(f"/couples/{couple.id}/send", {"instrument_id": "trust-rebuilding",
                                                       "client_ids": both[1]}).status_code == 200


def test_the_send_form_offers_1_to_30_days_and_says_so_when_refused(client, factory, db):
    me = factory.counselor()
    person = factory.client(me)
    browser = Browser(client, me)
    form = browser.get(f"/clients/{person.id}/send").text
    assert "1 to 30 days" in form and 'min="1" max="30" inputmode="numeric"' in form
    refused = browser.post(f"/clients/{person.id}/send", {"instrument_id": "trust-rebuilding",
                                                          "expires_in_days": "31"})
    assert refused.status_code == 422 and "Enter 30 or less" in refused.text and "1 to 30 days" in refused.text
    assert db.exec(select(Administration)).first() is None
    assert browser.post(f"/clients/{person.id}/send", {"instrument_id": "trust-rebuilding",
                                                       "expires_in_days": "30"}).status_code == 200
