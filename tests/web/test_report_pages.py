"""The report pages: a preview with its navigation, making a PDF (POST, then a GET download),
and downloading reports made before, checked against their checksum."""

from __future__ import annotations

import hashlib
import html as markup
import re

import pytest
from markupsafe import escape
from sqlmodel import select

from app.audit.models import AuditEvent
from app.clients.models import Client
from app.practice.models import Practice
from app.reports.models import Report, ReportFile
from tests.reports import pdf_helpers, preview_pages
from tests.web.conftest import Browser
from tests.web.helpers import submitted

SUMMARY = 'Steady work; "hope" & <trust> both named'


@pytest.fixture
def couple_setup(factory, db):  # type: ignore[no-untyped-def]
    me = factory.counselor()
    couple = factory.couple(me)
    factory.therapy_session(couple, status="signed")
    submitted(db, me, couple, client_id=couple.partner_a_id, value=4)
    submitted(db, me, couple, client_id=couple.partner_b_id, value=2)
    return me, couple


def _actions(db, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    db.rollback()  # a new transaction: see what the requests wrote since
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _made(browser: Browser, path: str, choices: dict[str, str]):  # type: ignore[no-untyped-def]
    """POST the form's "Download PDF"; returns the redirect and the download it leads to."""
    made = browser.post(f"{path}/report/pdf", choices, follow_redirects=False)
    assert made.status_code == 303, made.text[:300]
    return made, browser.get(made.headers["location"])


def test_preview_has_navigation_and_a_download_form_with_the_same_choices(client, db, couple_setup):
    me, couple = couple_setup
    browser = Browser(client, me)
    path = f"/couples/{couple.id}"
    choices = {"audience": "partner", "partner_id": str(couple.partner_b_id), "period_start": "2020-01-01",
               "paper": "Letter", "summary": SUMMARY}
    preview = browser.post(f"{path}/report/preview", choices)
    assert preview.status_code == 200, preview.text[:300]
    page = preview.text
    # Navigation: back to the couple, back to the form, and the download, before the report.
    assert f'<a href="{path}">Back to the couple</a>' in page
    forms = preview_pages.bar_forms(page)
    assert set(forms) == {f"{path}/report", f"{path}/report/pdf"}
    for action, hidden in forms.items():
        assert {k: markup.unescape(v) for k, v in hidden.items()} == {**choices, "csrf_token": browser.token}, action
    assert ">Change these choices</button>" in page and ">Download this PDF</button>" in page
    assert page.index('class="preview-bar"') < page.index("<main>")
    assert len(re.findall(r"<h1[ >]", page)) == 1 and 'id="glance-title">Progress report:' in page
    # The bar names no one: a partner's copy may be on screen in front of that partner.
    bar = preview_pages.BAR.search(page).group(0)  # type: ignore[union-attr]
    for person in (db.get(Client, couple.partner_a_id), db.get(Client, couple.partner_b_id)):
        assert person.first_name not in bar and person.last_name not in bar  # type: ignore[union-attr]
    # The summary goes into no URL: the bar's forms post it, and no link carries it.
    assert "?" not in "".join(forms) and "summary=" not in page
    # Still no script, and the CSP forbids scripts, fetches and framing; forms post to Mend only.
    assert "<script" not in page.lower()
    csp = preview.headers["content-security-policy"]
    for rule in ("default-src 'none'", "script-src 'none'", "frame-ancestors 'none'", "form-action 'self'",
                 "base-uri 'none'"):
        assert rule in csp
    assert "unsafe-inline" not in csp and len(re.findall(r"'sha256-", csp)) == 2  # the report's and the bar's
    assert preview.headers["cache-control"] == "no-store"
    # A browser sends "Origin: null" from a no-referrer page, which the CSRF check refuses.
    assert preview.headers["referrer-policy"] == "same-origin"


def test_change_these_choices_shows_the_form_filled_in_and_writes_nothing(client, db, couple_setup):
    me, couple = couple_setup
    browser = Browser(client, me)
    path = f"/couples/{couple.id}"
    again = browser.post(f"{path}/report", {"audience": "couple", "summary": SUMMARY, "paper": "Letter",
                                           "period_end": "2026-01-31"})
    assert again.status_code == 200 and "<h1>Progress report for" in again.text
    assert str(escape(SUMMARY)) in again.text  # in the textarea, as typed
    assert '<option value="couple" selected>' in again.text and '<option value="Letter" selected>' in again.text
    assert 'value="2026-01-31"' in again.text
    assert db.exec(select(Report)).first() is None and _actions(db, "preview_report") == []
    assert browser.post(f"{path}/report", {"summary": SUMMARY, "csrf_token": "x"}).status_code == 403


def test_preview_posted_again_writes_only_its_audit_event(client, db, couple_setup):
    me, couple = couple_setup
    browser = Browser(client, me)
    for _ in range(2):  # a reload posts the same form again
        assert browser.post(f"/couples/{couple.id}/report/preview", {"summary": SUMMARY}).status_code == 200
    assert db.exec(select(Report)).first() is None and db.exec(select(ReportFile)).first() is None
    events = _actions(db, "preview_report")
    assert len(events) == 2 and all(SUMMARY not in str(e.detail) for e in events)


def test_download_from_the_preview_is_the_previewed_report_and_the_bar_stays_out_of_the_pdf(
        client, db, couple_setup):
    me, couple = couple_setup
    browser = Browser(client, me)
    path = f"/couples/{couple.id}"
    preview = browser.post(f"{path}/report/preview", {"summary": SUMMARY, "paper": "Letter"})
    hidden = {k: markup.unescape(v) for k, v in preview_pages.bar_forms(preview.text)[f"{path}/report/pdf"].items()}
    made, download = _made(browser, path, hidden)
    report = db.exec(select(Report)).one()
    assert made.headers["location"] == f"/reports/{report.id}/pdf"
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    text = pdf_helpers.text(download.content)
    assert SUMMARY in text and "Download this PDF" not in text and "Change these choices" not in text
    assert "Preview." not in text
    # The PDF is made from the same report as the preview, without the bar.
    assert "Steady work" in preview_pages.without_bar(preview.text)


def test_pdf_is_made_once_then_downloaded_by_get_with_its_checksum(client, db, couple_setup):
    me, couple = couple_setup
    browser = Browser(client, me)
    made, download = _made(browser, f"/couples/{couple.id}", {"paper": "A4"})
    report = db.exec(select(Report)).one()
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["content-disposition"] == f'attachment; filename="{report.filename}"'
    assert hashlib.sha256(download.content).hexdigest() == report.checksum
    assert len(download.content) == report.size_bytes
    assert db.get(ReportFile, report.id).pdf == download.content  # type: ignore[union-attr]
    # Following the redirect again (a reload of the download) makes no second report.
    again = browser.get(made.headers["location"])
    assert again.content == download.content and len(db.exec(select(Report)).all()) == 1
    assert [e.detail["report_id"] for e in _actions(db, "report_downloaded")] == [report.id, report.id]
    assert _actions(db, "report_downloaded")[0].entity == "couple"


def test_every_report_made_before_links_to_its_download_with_who_it_is_for(client, db, couple_setup):
    me, couple = couple_setup
    browser = Browser(client, me)
    path = f"/couples/{couple.id}"
    _, first = _made(browser, path, {"audience": "couple"})
    _, second = _made(browser, path, {"audience": "partner", "partner_id": str(couple.partner_a_id)})
    page = browser.get(f"{path}/report").text
    rows = db.exec(select(Report).order_by(Report.id)).all()  # type: ignore[arg-type]
    for row in rows:
        assert f'<a href="/reports/{row.id}/pdf" download>' in page
    assert page.index(f"/reports/{rows[1].id}/pdf") < page.index(f"/reports/{rows[0].id}/pdf")  # newest first
    assert '<td data-label="For">For the couple</td>' in page
    assert re.search(r'<td data-label="For">For \w+ only</td>', page)
    assert browser.get(f"/reports/{rows[0].id}/pdf").content == first.content
    assert browser.get(f"/reports/{rows[1].id}/pdf").content == second.content


def test_a_client_report_is_made_and_downloaded_the_same_way(client, db, factory):
    me = factory.counselor()
    person = factory.client(me)
    submitted(db, me, None, client_id=person.id, value=4)
    browser = Browser(client, me)
    preview = browser.post(f"/clients/{person.id}/report/preview", {"paper": "A4"})
    assert f'<a href="/clients/{person.id}">Back to the client</a>' in preview.text
    assert set(preview_pages.bar_forms(preview.text)) == {f"/clients/{person.id}/report",
                                                          f"/clients/{person.id}/report/pdf"}
    again = browser.post(f"/clients/{person.id}/report", {"paper": "Letter"})
    assert again.status_code == 200 and '<option value="Letter" selected>' in again.text
    _, download = _made(browser, f"/clients/{person.id}", {"paper": "A4"})
    report = db.exec(select(Report)).one()
    assert (report.client_id, report.couple_id) == (person.id, None)
    assert hashlib.sha256(download.content).hexdigest() == report.checksum


def test_a_stored_pdf_that_no_longer_matches_is_refused_and_audited(client, db, factory, couple_setup):
    me, couple = couple_setup
    browser = Browser(client, me)
    _made(browser, f"/couples/{couple.id}", {"paper": "A4"})
    report = db.exec(select(Report)).one()
    stored = db.get(ReportFile, report.id)
    flipped = bytearray(stored.pdf)  # type: ignore[union-attr]
    flipped[len(flipped) // 2] ^= 0x01
    stored.pdf = bytes(flipped)  # type: ignore[union-attr]
    db.add(stored)
    db.commit()
    refused = browser.get(f"/reports/{report.id}/pdf")
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("text/html")
    assert "match its checksum" in refused.text and "%PDF" not in refused.text
    assert f'href="/couples/{couple.id}/report">Make a new report</a>' in refused.text
    event = _actions(db, "report_download_refused")[-1]
    assert event.detail == {"report_id": report.id, "via": "web", "reason": "mismatch"}
    assert (event.entity, event.entity_id, event.actor_id) == ("couple", couple.id, me.id)
    # The API refuses it the same way.
    api = client.get(f"/api/v1/reports/{report.id}/pdf", headers=factory.headers(me))
    assert api.status_code == 409 and "checksum" in api.json()["detail"]
    # So is a copy whose size no longer matches.
    stored.pdf = bytes(flipped) + b"\n"  # type: ignore[union-attr]
    db.add(stored)
    db.commit()
    assert browser.get(f"/reports/{report.id}/pdf").status_code == 409


def test_a_report_made_before_copies_were_kept_has_no_link(client, db, factory, couple_setup):
    me, couple = couple_setup
    old = factory._save(Report(
        practice_id=me.practice_id, couple_id=couple.id, generated_by_id=me.id, period_start=couple.created_at.date(),
        period_end=couple.created_at.date(), checksum="0" * 64, size_bytes=1, filename="mend-report-old.pdf"))
    browser = Browser(client, me)
    page = browser.get(f"/couples/{couple.id}/report").text
    assert "mend-report-old.pdf" in page and f"/reports/{old.id}/pdf" not in page
    assert "made before copies were kept" in page
    gone = browser.get(f"/reports/{old.id}/pdf")
    assert gone.status_code == 410 and "No copy of this report was kept" in gone.text
    assert _actions(db, "report_download_refused")[-1].detail["reason"] == "not_kept"


@pytest.mark.parametrize("whose", ["another practice", "another counselor"])
def test_someone_elses_report_is_not_found(client, db, factory, couple_setup, whose):
    me, couple = couple_setup
    _made(Browser(client, me), f"/couples/{couple.id}", {"paper": "A4"})
    report = db.exec(select(Report)).one()
    practice = db.get(Practice, me.practice_id)
    them = factory.owner() if whose == "another practice" else factory.counselor(practice)
    response = Browser(client, them).get(f"/reports/{report.id}/pdf")
    assert response.status_code == 404 and "%PDF" not in response.text
    api = client.get(f"/api/v1/reports/{report.id}/pdf", headers=factory.headers(them))
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"
    done = _actions(db, "report_downloaded") + _actions(db, "report_download_refused")
    assert all(e.actor_id != them.id for e in done)


def test_a_practice_owner_may_download_a_counselors_report(client, db, factory, couple_setup):
    me, couple = couple_setup
    _, download = _made(Browser(client, me), f"/couples/{couple.id}", {"paper": "A4"})
    report = db.exec(select(Report)).one()
    owner = factory.owner(db.get(Practice, me.practice_id))
    assert Browser(client, owner).get(f"/reports/{report.id}/pdf").content == download.content
