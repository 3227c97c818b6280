"""Flags are scoped to their context and accountable: a note and a confirmation to mark one
dealt with or reopen it, who and when kept, and each step in the couple's timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.db import utcnow
from app.instruments.catalog import default_catalog
from app.practice.models import Practice
from app.questionnaires.models import Administration, AdministrationFlag, FlagReview
from app.sessions.models import AgreementStatusChange
from tests.web.conftest import Browser

COUPLE_FLAG = "Couple marker: feels afraid at home"
SOLO_FLAG = "Solo marker: individual work only"
OTHER_COUPLE_FLAG = "Other couple marker: another relationship"


def _flag(factory, counselor, client_id: int, couple_id: int | None, message: str) -> AdministrationFlag:
    trust = default_catalog().latest("trust-rebuilding")
    given = factory._save(Administration(
        practice_id=counselor.practice_id, client_id=client_id, couple_id=couple_id, counselor_id=counselor.id,
        instrument_id=trust.id, instrument_version=trust.version, definition_checksum=trust.checksum,
        mode="in_session", status="submitted", submitted_at=utcnow()))
    return factory._save(AdministrationFlag(
        practice_id=counselor.practice_id, administration_id=given.id, client_id=client_id, couple_id=couple_id,
        item_id="es4", severity="high", message=message))


@pytest.fixture
def flagged(factory, db):  # type: ignore[no-untyped-def]
    owner = factory.owner()
    counselor = factory.counselor(db.get(Practice, owner.practice_id), name="Casey Counselor")
    couple = factory.couple(counselor, names=("Maya", "Jonah"))
    # Maya is also in a second couple (same counselor) and in individual work.
    other = factory._save(type(couple)(practice_id=counselor.practice_id, counselor_id=counselor.id,
                                       partner_a_id=couple.partner_a_id,
                                       partner_b_id=factory.client(counselor, first="Sol").id,
                                       breach_type="infidelity"))
    return {
        "owner": owner, "counselor": counselor, "couple": couple, "other": other,
        "flag": _flag(factory, counselor, couple.partner_a_id, couple.id, COUPLE_FLAG),
        "solo": _flag(factory, counselor, couple.partner_a_id, None, SOLO_FLAG),
        "elsewhere": _flag(factory, counselor, couple.partner_a_id, other.id, OTHER_COUPLE_FLAG),
    }


def _reviews(db, flag_id: int) -> list[tuple[str, str, int]]:
    db.rollback()
    return [(r.action, r.note, r.by_id) for r in db.exec(
        select(FlagReview).where(FlagReview.flag_id == flag_id).order_by(FlagReview.id)).all()]


def test_resolving_and_reopening_need_a_note_and_are_recorded(client, factory, db, flagged):
    me = flagged["counselor"]
    headers = factory.headers(me)
    url = f"/api/v1/flags/{flagged['flag'].id}"
    for body in (None, {}, {"note": "   "}, {"note": "x" * 501}):
        refused = client.post(f"{url}/resolve", json=body, headers=headers)
        assert refused.status_code == 422, (body, refused.text)
        assert "note" in str(refused.json()["detail"])
    assert _reviews(db, flagged["flag"].id) == []
    assert db.get(AdministrationFlag, flagged["flag"].id).resolved_at is None

    done = client.post(f"{url}/resolve", json={"note": "  Rang Maya; safety plan in place  "}, headers=headers)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["resolution_note"] == "Rang Maya; safety plan in place" and body["resolved_by_id"] == me.id
    assert body["resolved_by_name"] == "Casey Counselor" and body["resolved_at"]
    again = client.post(f"{url}/resolve", json={"note": "twice"}, headers=headers)
    assert again.status_code == 409 and "already" in again.json()["detail"]

    assert client.post(f"{url}/reopen", json={"note": ""}, headers=headers).status_code == 422
    reopened = client.post(f"{url}/reopen", json={"note": "She wrote again on Friday"}, headers=headers)
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["resolved_at"], reopened.json()["resolved_by_id"], reopened.json()["resolution_note"]) == (
        None, None, None)
    assert client.post(f"{url}/reopen", json={"note": "again"}, headers=headers).status_code == 409
    assert _reviews(db, flagged["flag"].id) == [
        ("resolved", "Rang Maya; safety plan in place", me.id), ("reopened", "She wrote again on Friday", me.id)]
    row = db.get(AdministrationFlag, flagged["flag"].id)
    assert (row.resolved_at, row.resolved_by_id, row.resolution_note) == (None, None, None)
    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "flag",
                                              AuditEvent.entity_id == flagged["flag"].id)).all()
    assert [(e.action, e.actor_id) for e in events] == [("resolve", me.id), ("reopen", me.id)]
    assert all(set(e.detail) == {"review_id", "administration_id"} for e in events)  # no answers, no note


def test_reviews_are_caseload_scoped(client, factory, db, flagged):
    url = f"/api/v1/flags/{flagged['flag'].id}"
    colleague = factory.counselor(db.get(Practice, flagged["counselor"].practice_id))
    for stranger in (colleague, factory.owner()):
        headers = factory.headers(stranger)
        for action in ("resolve", "reopen"):
            assert client.post(f"{url}/{action}", json={"note": "n"}, headers=headers).status_code == 404
            assert client.post(f"{url}/{action}", json={}, headers=headers).status_code == 404  # 404 before 422
    owner = factory.headers(flagged["owner"])  # the practice's owner sees every caseload
    assert client.post(f"{url}/resolve", json={"note": "Owner followed up"}, headers=owner).status_code == 200
    assert _reviews(db, flagged["flag"].id) == [("resolved", "Owner followed up", flagged["owner"].id)]


def test_marking_dealt_with_on_the_web_takes_a_note_and_a_confirmation(client, db, flagged):
    browser = Browser(client, flagged["counselor"])
    couple_page = f"/couples/{flagged['couple'].id}"
    html = browser.get(couple_page).text
    form = html[html.index(f'action="/flags/{flagged["flag"].id}/resolve"'):]
    assert 'name="note"' in form and 'name="confirm"' in form[:3000] and "<details>" in html
    url = f"/flags/{flagged['flag'].id}/resolve"
    unconfirmed = browser.post(url, {"note": "Called", "back": couple_page})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm" in unconfirmed.text
    assert ">Called</textarea>" in unconfirmed.text  # what was typed stays
    no_note = browser.post(url, {"confirm": "yes", "back": couple_page})
    assert no_note.status_code == 422 and "Write a short note" in no_note.text
    assert _reviews(db, flagged["flag"].id) == []
    assert db.get(AdministrationFlag, flagged["flag"].id).resolved_at is None

    page = browser.get(f"{url}?back={couple_page}")
    assert page.status_code == 200 and COUPLE_FLAG in page.text and 'for="note"' in page.text
    # Post the folded form exactly as the page holds it: its own CSRF token and way back.
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form[:form.index("</form>")]))
    assert hidden["back"] == couple_page and hidden["csrf_token"]
    done = client.post(url, data={**hidden, "note": "Called Maya; she is safe", "confirm": "yes"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{couple_page}?notice=flag-resolved"
    assert "Flag marked as dealt with" in client.get(done.headers["location"]).text
    assert _reviews(db, flagged["flag"].id) == [("resolved", "Called Maya; she is safe", flagged["counselor"].id)]
    assert browser.post(url, {"note": "again", "confirm": "yes"}).status_code == 409
    offsite = browser.post(f"/flags/{flagged['solo'].id}/resolve",
                           {"note": "n", "confirm": "yes", "back": "//evil.example"}, follow_redirects=False)
    assert offsite.headers["location"] == "/dashboard?notice=flag-resolved"


def test_the_couple_timeline_shows_who_dealt_with_a_flag_and_it_can_be_reopened(client, factory, db, flagged):
    couple = flagged["couple"]
    factory.therapy_session(couple, days_ago=3)
    agreement = factory.agreement(couple, title="No contact with the colleague")
    factory._save(AgreementStatusChange(practice_id=couple.practice_id, agreement_id=agreement.id,
                                        from_status="active", to_status="kept", note="Kept for a month",
                                        changed_by_id=flagged["counselor"].id,
                                        changed_at=utcnow() - timedelta(days=1)))
    browser = Browser(client, flagged["counselor"])
    page = f"/couples/{couple.id}"
    browser.post(f"/flags/{flagged['flag'].id}/resolve", {"note": "Safety plan agreed", "confirm": "yes",
                                                          "back": page})
    browser.post(f"/flags/{flagged['elsewhere'].id}/resolve", {"note": "Other couple's note", "confirm": "yes"})
    html = browser.get(page).text
    timeline = html[html.index('id="timeline-h"'):html.index('id="links-h"')]
    assert "Flag dealt with by Casey Counselor" in timeline and "Safety plan agreed" in timeline
    assert "Other couple's note" not in html and OTHER_COUPLE_FLAG not in html
    # newest first: the review (now), the agreement change (a day ago), the session (3 days ago)
    assert timeline.index("Safety plan agreed") < timeline.index("Kept for a month") < timeline.index("Session")
    reopen = re.search(r'href="(/flags/\d+/reopen\?back=[^"]+)"', timeline)
    assert reopen and f"/flags/{flagged['flag'].id}/reopen" in reopen.group(1)
    assert 'id="flags-h"' not in html  # no open flag in this couple's context now

    form = browser.get(reopen.group(1).replace("&amp;", "&"))
    assert form.status_code == 200 and "Why it needs attention again" in form.text
    assert 'name="back" value="/couples/' in form.text
    back = browser.post(f"/flags/{flagged['flag'].id}/reopen", {"note": "New message from Maya", "confirm": "yes",
                                                                "back": page}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"{page}?notice=flag-reopened"
    html = browser.get(page).text
    timeline = html[html.index('id="timeline-h"'):html.index('id="links-h"')]
    assert timeline.index("Flag reopened by Casey Counselor") < timeline.index("Flag dealt with by Casey Counselor")
    assert "New message from Maya" in timeline and "/reopen?back=" not in timeline
    assert COUPLE_FLAG in html[html.index('id="flags-h"'):html.index('id="about-h"')]  # open again


def test_each_page_shows_the_flags_of_its_own_context(client, flagged):
    browser = Browser(client, flagged["counselor"])
    couple = browser.get(f"/couples/{flagged['couple'].id}").text
    assert COUPLE_FLAG in couple and SOLO_FLAG not in couple and OTHER_COUPLE_FLAG not in couple
    other = browser.get(f"/couples/{flagged['other'].id}").text
    assert OTHER_COUPLE_FLAG in other and COUPLE_FLAG not in other and SOLO_FLAG not in other
    maya = browser.get(f"/clients/{flagged['couple'].partner_a_id}").text
    assert SOLO_FLAG in maya and COUPLE_FLAG not in maya and OTHER_COUPLE_FLAG not in maya
    jonah = browser.get(f"/clients/{flagged['couple'].partner_b_id}").text
    assert SOLO_FLAG not in jonah and COUPLE_FLAG not in jonah
    dashboard = browser.get("/dashboard").text
    assert all(message in dashboard for message in (COUPLE_FLAG, SOLO_FLAG, OTHER_COUPLE_FLAG))


def test_the_answers_page_shows_the_resolution_and_offers_reopening(client, factory, flagged):
    headers = factory.headers(flagged["counselor"])
    client.post(f"/api/v1/flags/{flagged['solo'].id}/resolve", json={"note": "Discussed in session"}, headers=headers)
    html = Browser(client, flagged["counselor"]).get(f"/administrations/{flagged['solo'].administration_id}").text
    assert "by Casey Counselor: Discussed in session" in html
    assert f'action="/flags/{flagged["solo"].id}/reopen"' in html


def test_the_timeline_stops_where_its_partly_read_sources_stop(client, factory, db, flagged):
    """Only the latest 10 sessions are read: an agreement change older than the 10th is left
    out rather than shown next to sessions that are missing."""
    couple = flagged["couple"]
    for day in range(1, 13):
        factory.therapy_session(couple, days_ago=day)
    agreement = factory.agreement(couple)
    for days, note in ((5.5, "Recent change note"), (11.5, "Old change note")):
        factory._save(AgreementStatusChange(practice_id=couple.practice_id, agreement_id=agreement.id,
                                            from_status="active", to_status="broken", note=note,
                                            changed_by_id=flagged["counselor"].id,
                                            changed_at=utcnow() - timedelta(days=days)))
    html = Browser(client, flagged["counselor"]).get(f"/couples/{couple.id}").text
    timeline = html[html.index('id="timeline-h"'):html.index('id="links-h"')]
    assert "Recent change note" in timeline and "Old change note" not in timeline
    assert timeline.count("/sessions/") == 10
