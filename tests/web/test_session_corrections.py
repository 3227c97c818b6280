"""Session pages, issue 13 points 3 and 4: correcting a session's details (audited, shown on the
page), deleting a draft, signing only after the start, who signed and wrote what, the stale-tab
conflict that keeps the typed text, and a 303 after every successful POST."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.audit.models import AuditEvent
from app.practice.models import Practice
from app.sessions import service
from app.sessions.models import NoteAddendum, TherapySession
from tests.web.conftest import Browser

VERSION = re.compile(r'name="note_version" value="([^"]+)"')
NEW_YORK = ZoneInfo("America/New_York")


def _new_york(db, counselor) -> None:
    practice = db.get(Practice, counselor.practice_id)
    practice.timezone = "America/New_York"
    db.add(practice)
    db.commit()


def _version(html: str) -> str:
    match = VERSION.search(html)
    assert match, "the note form carries no version"
    return match.group(1)


def _fresh(db, row_id: int) -> TherapySession:
    db.rollback()
    return db.exec(select(TherapySession).where(TherapySession.id == row_id)
                   .execution_options(populate_existing=True)).first()


def _events(db, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(db.exec(select(AuditEvent).where(AuditEvent.entity == "therapy_session",
                                                 AuditEvent.action == action).order_by(AuditEvent.id)).all())


def _at(db, therapy: TherapySession, when: datetime) -> TherapySession:
    therapy.starts_at = when
    db.add(therapy)
    db.commit()
    return therapy


def _signed(factory, db, couple, me, **extra) -> TherapySession:
    therapy = factory.therapy_session(couple, status="signed", signed_by_id=me.id, **extra)
    therapy.signed_at = datetime.now(UTC)
    db.add(therapy)
    db.commit()
    return therapy


# -- corrections -------------------------------------------------------------------------------

def test_correct_the_details_of_a_draft(client, factory, db):
    me = factory.counselor(name="Dana Reyes")
    _new_york(db, me)
    therapy = _at(db, factory.therapy_session(factory.couple(me)), datetime(2026, 3, 3, 19, 0, tzinfo=UTC))
    browser = Browser(client, me)
    page = browser.get(f"/sessions/{therapy.id}").text
    assert f'href="/sessions/{therapy.id}/correct"' in page
    form = browser.get(f"/sessions/{therapy.id}/correct").text
    assert 'value="2026-03-03T14:00"' in form  # in the practice's zone
    response = browser.post(f"/sessions/{therapy.id}/correct", {
        "starts_at": "2026-03-04T14:00", "duration_minutes": "75", "modality": "video", "attendance": "no_show",
    }, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{therapy.id}?notice=session-corrected#corrections-h"
    shown = browser.get(response.headers["location"]).text
    corrections = shown[shown.index('id="corrections-h"'):]
    assert "Details corrected." in corrections
    assert "Date and time corrected from 3 Mar 2026, 14:00 to 4 Mar 2026, 14:00 by Dana Reyes on" in corrections
    assert "Length corrected from 50 min to 75 min by Dana Reyes" in corrections
    assert "Where corrected from In person to Video by Dana Reyes" in corrections
    assert "Attendance corrected from Held to No-show by Dana Reyes" in corrections
    saved = _fresh(db, therapy.id)
    assert (saved.duration_minutes, saved.modality, saved.attendance) == (75, "video", "no_show")
    assert saved.starts_at.astimezone(UTC) == datetime(2026, 3, 4, 19, 0, tzinfo=UTC)
    (event,) = _events(db, "correct")
    assert event.actor_id == me.id and event.entity_id == therapy.id
    assert event.detail == {
        "fields": ["attendance", "duration_minutes", "modality", "starts_at"], "signed": False,
        "from": {"attendance": "held", "duration_minutes": 50, "modality": "in_person",
                 "starts_at": "2026-03-03T19:00:00+00:00"},
        "to": {"attendance": "no_show", "duration_minutes": 75, "modality": "video",
               "starts_at": "2026-03-04T19:00:00+00:00"},
    }


def test_a_signed_sessions_details_are_corrected_in_the_open(client, factory, db):
    me = factory.counselor(name="Dana Reyes")
    therapy = _signed(factory, db, factory.couple(me), me)
    browser = Browser(client, me)
    form = browser.get(f"/sessions/{therapy.id}/correct").text
    assert "The note and the attendance stay as signed" in form and 'id="attendance"' not in form
    response = browser.post(f"/sessions/{therapy.id}/correct", {
        "starts_at": therapy.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "90",
        "modality": "in_person",
    }, follow_redirects=False)
    assert response.status_code == 303
    page = browser.get(response.headers["location"]).text
    assert "Length corrected from 50 min to 90 min by Dana Reyes on" in page
    assert "(after the note was signed)" in page
    assert _fresh(db, therapy.id).status == "signed"
    assert _events(db, "correct")[0].detail["signed"] is True
    # Its attendance stays: refused with the service's message, the typed values kept.
    refused = browser.post(f"/sessions/{therapy.id}/correct", {
        "starts_at": "2026-11-20T10:00", "duration_minutes": "45", "modality": "phone", "attendance": "cancelled",
    })
    assert refused.status_code == 409
    assert "This session&#39;s note is signed: its attendance can&#39;t change" in refused.text
    assert 'value="2026-11-20T10:00"' in refused.text and 'value="45"' in refused.text
    saved = _fresh(db, therapy.id)
    assert (saved.attendance, saved.duration_minutes) == ("held", 90)


def test_correction_refusals_name_the_field(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)  # held, with a draft note
    browser = Browser(client, me)
    blank = browser.post(f"/sessions/{therapy.id}/correct", {"starts_at": "", "duration_minutes": "",
                                                             "modality": "video", "attendance": "held"})
    assert blank.status_code == 422
    assert "Date and time: Enter the date and time of the session" in blank.text
    assert "Length in minutes: Enter how long the session lasted" in blank.text
    short = browser.post(f"/sessions/{therapy.id}/correct", {"starts_at": "2026-11-20T10:00", "duration_minutes": "2",
                                                             "modality": "video", "attendance": "held"})
    assert short.status_code == 422 and "Length in minutes: Enter 5 or more" in short.text
    ahead = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    future = browser.post(f"/sessions/{therapy.id}/correct", {"starts_at": ahead, "duration_minutes": "50",
                                                              "modality": "in_person", "attendance": "held"})
    assert future.status_code == 422 and f"Date and time: {service.IN_THE_FUTURE}".replace('"', "&#34;") in future.text
    planned = browser.post(f"/sessions/{therapy.id}/correct", {
        "starts_at": therapy.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
        "modality": "in_person", "attendance": "planned"})
    assert planned.status_code == 422
    assert "Attendance: This session has a note, and a planned session has none: it stays as it is" in planned.text
    ahead_plan = factory.planned_session(couple, datetime.now(UTC) + timedelta(hours=3))
    early = browser.post(f"/sessions/{ahead_plan.id}/correct", {
        "starts_at": ahead_plan.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
        "modality": "in_person", "attendance": "held"})
    assert early.status_code == 422 and f"Attendance: {service.NOT_STARTED['held']}".replace("'", "&#39;") in early.text
    same = browser.post(f"/sessions/{therapy.id}/correct", {
        "starts_at": therapy.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
        "modality": "in_person", "attendance": "held"}, follow_redirects=False)
    assert same.status_code == 303 and same.headers["location"].endswith("?notice=session-unchanged")
    assert _events(db, "correct") == []


def test_a_session_with_checkins_stays_held(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)
    agreement = factory.agreement(couple)
    browser = Browser(client, me)
    browser.post(f"/sessions/{therapy.id}/checkins", {f"outcome_{agreement.id}": "kept"})
    refused = browser.post(f"/sessions/{therapy.id}/correct", {
        "starts_at": therapy.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
        "modality": "in_person", "attendance": "cancelled"})
    assert refused.status_code == 422
    assert "Attendance: Agreement check-ins were recorded at this session" in refused.text
    assert _fresh(db, therapy.id).attendance == "held"


# -- deleting a draft --------------------------------------------------------------------------

def test_delete_a_draft_from_its_page(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)
    sid = therapy.id
    browser = Browser(client, me)
    page = browser.get(f"/sessions/{therapy.id}").text
    assert "<summary>Delete this session</summary>" in page and f'action="/sessions/{therapy.id}/delete"' in page
    response = browser.post(f"/sessions/{therapy.id}/delete", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/couples/{couple.id}?notice=session-deleted"
    assert "Session deleted." in browser.get(response.headers["location"]).text
    assert _fresh(db, sid) is None
    (event,) = _events(db, "delete")
    assert event.entity_id == sid and event.actor_id == me.id and event.detail["attendance"] == "held"


def test_a_signed_note_is_never_deleted(client, factory, db):
    me = factory.counselor()
    therapy = _signed(factory, db, factory.couple(me), me)
    browser = Browser(client, me)
    assert "Delete this session" not in browser.get(f"/sessions/{therapy.id}").text
    refused = browser.post(f"/sessions/{therapy.id}/delete")
    assert refused.status_code == 409 and "A signed note is part of the record and cannot be deleted" in refused.text
    assert _fresh(db, therapy.id) is not None and _events(db, "delete") == []


def test_an_individual_clients_session_goes_back_to_the_client(client, factory, db):
    me = factory.counselor()
    alone = factory.client(me)
    therapy = TherapySession(practice_id=me.practice_id, counselor_id=me.id, client_id=alone.id,
                             starts_at=datetime.now(UTC) - timedelta(days=1), attendee_ids=[alone.id])
    db.add(therapy)
    db.commit()
    response = Browser(client, me).post(f"/sessions/{therapy.id}/delete", follow_redirects=False)
    assert response.headers["location"] == f"/clients/{alone.id}?notice=session-deleted"


# -- signing ------------------------------------------------------------------------------------

def test_signing_before_the_start_is_refused_with_the_time(client, factory, db):
    me = factory.counselor()
    _new_york(db, me)
    later = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=2)
    therapy = _at(db, factory.therapy_session(factory.couple(me)), later)  # stored directly
    browser = Browser(client, me)
    version = _version(browser.get(f"/sessions/{therapy.id}").text)
    response = browser.post(f"/sessions/{therapy.id}/note", {
        "note_data": "Typed before the start", "action": "sign", "confirm": "yes", "note_version": version})
    assert response.status_code == 409
    local = later.astimezone(NEW_YORK)
    assert (f"This session starts on {local.day} {local:%b %Y, %H:%M}: its note can be signed once the "
            "session has taken place") in response.text
    assert "Typed before the start" in response.text
    assert _fresh(db, therapy.id).status == "draft"
    assert _fresh(db, therapy.id).note_data == "Discussed the week."  # nothing half-saved
    api = client.post(f"/api/v1/sessions/{therapy.id}/sign", headers=factory.headers(me))
    assert api.status_code == 409 and api.json()["detail"].startswith("This session starts on ")


def test_signature_and_addenda_name_their_author(client, factory, db):
    me = factory.counselor(name="Dana Reyes")
    therapy = factory.therapy_session(factory.couple(me))
    browser = Browser(client, me)
    version = _version(browser.get(f"/sessions/{therapy.id}").text)
    browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Final", "action": "sign", "confirm": "yes",
                                                   "note_version": version})
    page = browser.post(f"/sessions/{therapy.id}/addenda", {"text": "Also: homework set."}).text
    signed = _fresh(db, therapy.id)
    when = f"{signed.signed_at.day} {signed.signed_at:%b %Y, %H:%M}"
    assert f"Signed by Dana Reyes on {when}" in page
    assert "<dt>Signed by</dt><dd>Dana Reyes, " in page
    assert re.search(r'<p class="meta">by Dana Reyes, \d+ \w+ \d{4}, \d\d:\d\d</p>'
                     r'<p class="prewrap">Also: homework set.', page)


# -- the stale tab -----------------------------------------------------------------------------

def test_a_stale_tab_after_signing_keeps_the_typed_text_as_an_addendum(client, factory, db):
    me = factory.counselor(name="Dana Reyes")
    therapy = factory.therapy_session(factory.couple(me), note_data="Both came.")
    browser = Browser(client, me)
    stale = _version(browser.get(f"/sessions/{therapy.id}").text)  # tab 1 opens the note
    # Tab 2 opens it too and signs it.
    fresh = _version(browser.get(f"/sessions/{therapy.id}").text)
    signed = browser.post(f"/sessions/{therapy.id}/note", {
        "note_data": "Both came.", "note_plan": "Weekly.", "action": "sign", "confirm": "yes", "note_version": fresh})
    assert "Note signed." in signed.text
    # Tab 1, still showing the draft, saves what was typed there.
    typed = {"note_data": "Both came. Robin spoke first.", "note_assessment": "Calmer.", "note_plan": "Weekly."}
    response = browser.post(f"/sessions/{therapy.id}/note", {**typed, "action": "save", "note_version": stale})
    assert response.status_code == 409
    html = response.text
    current = html[html.index('id="current-h"'):html.index('id="typed-h"')]
    assert "Both came." in current and "Weekly." in current and "Robin spoke first" not in current
    mine = html[html.index('id="typed-h"'):]
    for field, value in typed.items():  # all of it, read-only, to copy from
        assert re.search(rf'<textarea id="typed_{field}" rows="5" readonly[^>]*>{value}</textarea>', mine), field
    assert mine.count("copy from here") == 3 and "Read-only, to copy from" in mine
    assert "Signed by Dana Reyes on" in html or "signed by Dana Reyes on" in html
    assert f'action="/sessions/{therapy.id}/addenda"' in mine
    offered = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', mine, re.S)
    assert offered and offered.group(1) == "Data: Robin spoke first.\n\nAssessment: Calmer."
    kept = browser.post(f"/sessions/{therapy.id}/addenda", {"text": offered.group(1)}, follow_redirects=False)
    assert kept.status_code == 303
    db.rollback()
    addendum = db.exec(select(NoteAddendum).where(NoteAddendum.session_id == therapy.id)).one()
    assert addendum.text == "Data: Robin spoke first.\n\nAssessment: Calmer." and addendum.author_id == me.id
    note = _fresh(db, therapy.id)
    assert (note.note_data, note.note_assessment, note.status) == ("Both came.", "", "signed")
    # Signing again from the stale tab (the same stale text) is the same conflict, never a second signature.
    again = browser.post(f"/sessions/{therapy.id}/note", {**typed, "action": "sign", "confirm": "yes",
                                                          "note_version": stale})
    assert again.status_code == 409 and "Robin spoke first" in again.text


def test_the_same_sign_form_posted_twice_changes_nothing(client, factory, db):
    me = factory.counselor()
    therapy = factory.therapy_session(factory.couple(me), note_data="Both came.")
    browser = Browser(client, me)
    form = {"note_data": "Both came.", "action": "sign", "confirm": "yes",
            "note_version": _version(browser.get(f"/sessions/{therapy.id}").text)}
    assert browser.post(f"/sessions/{therapy.id}/note", form, follow_redirects=False).status_code == 303
    twice = browser.post(f"/sessions/{therapy.id}/note", form, follow_redirects=False)
    assert twice.status_code == 303 and twice.headers["location"].endswith("notice=note-already-signed#note-h")
    assert "already signed with this text" in browser.get(twice.headers["location"]).text
    assert len(_events(db, "sign")) == 1


def test_a_stale_draft_is_not_saved_over_a_newer_one(client, factory, db):
    me = factory.counselor()
    therapy = factory.therapy_session(factory.couple(me), note_data="First draft.")
    browser = Browser(client, me)
    stale = _version(browser.get(f"/sessions/{therapy.id}").text)
    theirs = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Theirs, newer.", "action": "save",
                                                           "note_version": stale}, follow_redirects=False)
    assert theirs.status_code == 303
    mine = {"note_data": "Mine, from the old tab.", "note_assessment": "", "note_plan": "Mine too."}
    response = browser.post(f"/sessions/{therapy.id}/note", {**mine, "action": "save", "note_version": stale})
    assert response.status_code == 409
    html = response.text
    assert "changed since you opened it" in html
    assert "Theirs, newer." in html[html.index('id="current-h"'):html.index('id="typed-h"')]
    assert ">Mine, from the old tab.</textarea>" in html and ">Mine too.</textarea>" in html
    assert "Save mine instead" in html and f'href="/sessions/{therapy.id}#note-h">Keep theirs' in html
    assert _fresh(db, therapy.id).note_data == "Theirs, newer."
    # Signing from the stale tab signs nothing: it is the same conflict.
    sign = browser.post(f"/sessions/{therapy.id}/note", {**mine, "action": "sign", "confirm": "yes",
                                                         "note_version": stale})
    assert sign.status_code == 409 and _fresh(db, therapy.id).status == "draft"
    # "Save mine instead" posts the conflict page's form, made at the newer version.
    anyway = browser.post(f"/sessions/{therapy.id}/note", {**mine, "action": "save", "note_version": _version(html)},
                          follow_redirects=False)
    assert anyway.status_code == 303
    saved = _fresh(db, therapy.id)
    assert (saved.note_data, saved.note_plan) == ("Mine, from the old tab.", "Mine too.")


def test_a_refused_note_shows_the_typed_text_and_keeps_its_version(client, factory, db):
    me = factory.counselor()
    therapy = factory.therapy_session(factory.couple(me))
    browser = Browser(client, me)
    version = _version(browser.get(f"/sessions/{therapy.id}").text)
    long = "x" * 20_001
    response = browser.post(f"/sessions/{therapy.id}/note", {"note_data": long, "note_plan": "Keep this plan",
                                                             "action": "save", "note_version": version})
    assert response.status_code == 422 and re.search(r"Data: Keep this to 20,?000 characters or fewer", response.text)
    assert long in response.text and "Keep this plan" in response.text
    assert _version(response.text) == version  # still the version this text was typed over
    unticked = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Unticked", "action": "sign",
                                                             "note_version": version})
    assert unticked.status_code == 422 and "Unticked" in unticked.text


# -- reloads never repeat a save ------------------------------------------------------------------

def test_every_successful_post_on_session_pages_is_a_303(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    agreement = factory.agreement(couple)
    browser = Browser(client, me)

    def post(url: str, data: dict) -> str:
        response = browser.post(url, data, follow_redirects=False)
        assert response.status_code == 303, (url, response.status_code, response.text[:300])
        return response.headers["location"]

    both = [str(couple.partner_a_id), str(couple.partner_b_id)]
    recorded = post(f"/couples/{couple.id}/sessions/new", {
        "starts_at": "2026-11-03T10:00", "duration_minutes": "50", "modality": "in_person", "attendee_ids": both})
    sid = int(re.search(r"/sessions/(\d+)", recorded).group(1))
    planned = post(f"/couples/{couple.id}/sessions/plan", {"starts_at": "2099-01-01T10:00", "duration_minutes": "50",
                                                           "modality": "video"})
    pid = int(re.search(r"/sessions/(\d+)", planned).group(1))
    post(f"/sessions/{pid}/attendance", {"attendance": "cancelled"})
    version = _version(browser.get(f"/sessions/{sid}").text)
    post(f"/sessions/{sid}/note", {"note_data": "Saved", "action": "save", "note_version": version})
    post(f"/sessions/{sid}/checkins", {f"outcome_{agreement.id}": "kept"})
    post(f"/sessions/{sid}/correct", {"starts_at": "2026-11-03T11:00", "duration_minutes": "60",
                                      "modality": "in_person", "attendance": "held"})
    version = _version(browser.get(f"/sessions/{sid}").text)
    post(f"/sessions/{sid}/note", {"note_data": "Saved", "action": "sign", "confirm": "yes", "note_version": version})
    post(f"/sessions/{sid}/addenda", {"text": "Later."})
    post(f"/sessions/{pid}/delete", {})
    # Cancelled, then the draft: each once; signing the same text changes no field, so it is
    # audited as the signing alone.
    assert len(_events(db, "update")) == 2
    assert len(_events(db, "correct")) == 1 and len(_events(db, "sign")) == 1


# -- a stale tab offers back only what it changed ------------------------------------------------

def _offered(html: str) -> str:
    found = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, "no addendum offered"
    return found.group(1)


def test_a_stale_tab_never_offers_back_the_plan_the_signed_note_replaced(client, factory, db):
    me = factory.counselor()
    loaded = {"note_data": "Both came.", "note_assessment": "Tense.", "note_plan": "Old plan: weekly."}
    therapy = factory.therapy_session(factory.couple(me), **loaded)
    browser = Browser(client, me)
    tab_a = _version(browser.get(f"/sessions/{therapy.id}").text)
    tab_b = _version(browser.get(f"/sessions/{therapy.id}").text)
    # Tab A changes the plan and signs.
    signed = browser.post(f"/sessions/{therapy.id}/note", {**loaded, "note_plan": "New plan: fortnightly.",
                                                           "action": "sign", "confirm": "yes", "note_version": tab_a})
    assert "Note signed." in signed.text
    # Tab B changed only Data, and still holds the old plan.
    typed = {**loaded, "note_data": "Both came. Robin spoke first."}
    response = browser.post(f"/sessions/{therapy.id}/note", {**typed, "action": "save", "note_version": tab_b})
    assert response.status_code == 409
    html = response.text
    assert _offered(html) == "Data: Robin spoke first."
    assert "Old plan" not in _offered(html)
    # Nothing typed is lost: the whole of tab B's text is there to copy, each field said changed or not.
    mine = html[html.index('id="typed-h"'):html.index('id="addendum-h"')]
    assert "Both came. Robin spoke first.</textarea>" in mine and "Old plan: weekly.</textarea>" in mine
    assert re.search(r'for="typed_note_data">Data: copy from here <span class="optional">\(you changed', mine)
    assert re.search(r'for="typed_note_plan">Plan: copy from here <span class="optional">\(as your tab opened', mine)
    kept = browser.post(f"/sessions/{therapy.id}/addenda", {"text": _offered(html)}, follow_redirects=False)
    assert kept.status_code == 303
    db.rollback()
    (addendum,) = db.exec(select(NoteAddendum).where(NoteAddendum.session_id == therapy.id)).all()
    assert "Old plan" not in addendum.text and _fresh(db, therapy.id).note_plan == "New plan: fortnightly."


def test_a_stale_tab_that_changed_the_plan_too_offers_its_plan(client, factory, db):
    me = factory.counselor()
    loaded = {"note_data": "Both came.", "note_assessment": "", "note_plan": "Old plan."}
    therapy = factory.therapy_session(factory.couple(me), **loaded)
    browser = Browser(client, me)
    stale = _version(browser.get(f"/sessions/{therapy.id}").text)
    browser.post(f"/sessions/{therapy.id}/note", {**loaded, "note_plan": "Theirs.", "action": "sign", "confirm": "yes",
                                                  "note_version": stale})
    both = browser.post(f"/sessions/{therapy.id}/note", {**loaded, "note_plan": "Mine.", "action": "save",
                                                         "note_version": stale})
    assert both.status_code == 409 and _offered(both.text) == "Plan: Mine."
    # A tab that changed nothing has nothing to add, and says so.
    same = browser.post(f"/sessions/{therapy.id}/note", {**loaded, "action": "save", "note_version": stale})
    assert same.status_code == 409 and _offered(same.text) == ""
    assert "Nothing you changed in your tab differs from the signed note" in same.text
    # A form from before per-field versions (one fingerprint) can't tell: everything counts, as before.
    old = browser.post(f"/sessions/{therapy.id}/note", {**loaded, "note_data": "Both came. More.", "action": "save",
                                                        "note_version": "0123456789abcdef0123"})
    assert old.status_code == 409 and _offered(old.text) == "Data: More.\n\nPlan: Old plan."


def test_a_stale_draft_keeps_the_newer_text_of_the_fields_it_left_alone(client, factory, db):
    me = factory.counselor()
    loaded = {"note_data": "Both came.", "note_assessment": "Tense.", "note_plan": "Old plan."}
    therapy = factory.therapy_session(factory.couple(me), **loaded)
    browser = Browser(client, me)
    tab_a = _version(browser.get(f"/sessions/{therapy.id}").text)
    tab_b = _version(browser.get(f"/sessions/{therapy.id}").text)
    saved = browser.post(f"/sessions/{therapy.id}/note", {**loaded, "note_plan": "New plan.", "action": "save",
                                                          "note_version": tab_a}, follow_redirects=False)
    assert saved.status_code == 303
    response = browser.post(f"/sessions/{therapy.id}/note", {**loaded, "note_data": "Both came, late.",
                                                             "action": "save", "note_version": tab_b})
    assert response.status_code == 409
    form = response.text[response.text.index('id="typed-h"'):]
    assert ">Both came, late.</textarea>" in form and ">New plan.</textarea>" in form and "Old plan." not in form
    assert "You didn&#39;t change this in your tab" in form
    anyway = browser.post(f"/sessions/{therapy.id}/note", {
        "note_data": "Both came, late.", "note_assessment": "Tense.", "note_plan": "New plan.", "action": "save",
        "note_version": _version(response.text)}, follow_redirects=False)
    assert anyway.status_code == 303
    note = _fresh(db, therapy.id)
    assert (note.note_data, note.note_plan) == ("Both came, late.", "New plan.")


# -- messages name each field as its form labels it ----------------------------------------------

SUMMARY_ITEM = re.compile(r'<li><a href="#([\w-]+)">([^<:]+): ')


def _labels_match(html: str) -> list[str]:
    """Each error summary entry's name, checked against the label (or legend) of the field it links to."""
    summary = html[html.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    items = SUMMARY_ITEM.findall(summary)
    assert items, "no error summary"
    for field, name in items:
        label = re.search(rf'<label for="{field}">([^<]+)', html)
        legend = re.search(rf'id="{field}"[^>]*>\s*<legend>([^<]+)', html)
        shown = (label or legend)
        assert shown, f"no label for {field}"
        assert shown.group(1).strip() == name, (field, name, shown.group(1))
    return [name for _, name in items]


def test_each_forms_messages_use_its_labels(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    therapy = factory.therapy_session(couple)
    browser = Browser(client, me)
    record = browser.post(f"/couples/{couple.id}/sessions/new", {"starts_at": "", "duration_minutes": "2",
                                                                 "modality": "in_person", "note_plan": "x" * 20_001})
    assert _labels_match(record.text) == ["Date and time", "Who attended", "Length in minutes", "Plan"]
    plan = browser.post(f"/couples/{couple.id}/sessions/plan", {"starts_at": "", "duration_minutes": "900",
                                                                "modality": "video"})
    assert _labels_match(plan.text) == ["Date and time", "Length in minutes"]
    correct = browser.post(f"/sessions/{therapy.id}/correct", {"starts_at": "2026-01-05T10:00", "duration_minutes": "2",
                                                               "modality": "video", "attendance": "held",
                                                               "attendees": "shown"})
    assert _labels_match(correct.text) == ["Who attended", "Length in minutes"]
    note = browser.post(f"/sessions/{therapy.id}/note", {"note_data": "Fine", "action": "sign",
                                                         "note_version": _version(browser.get(
                                                             f"/sessions/{therapy.id}").text)})
    assert note.status_code == 422 and "Sign the note: Tick the box" in note.text
    assert '<legend>Sign the note</legend>' in note.text
    signed = _signed(factory, db, couple, me)
    addendum = browser.post(f"/sessions/{signed.id}/addenda", {"text": ""})
    assert _labels_match(addendum.text) == ["Add an addendum"]


# -- correcting who attended ---------------------------------------------------------------------

def test_who_attended_is_corrected_on_the_correction_form(client, factory, db):
    me = factory.counselor(name="Dana Reyes")
    couple = factory.couple(me)  # Jamie and Robin
    therapy = factory.therapy_session(couple)
    browser = Browser(client, me)
    page = browser.get(f"/sessions/{therapy.id}").text
    assert "Correct the date, length, where, attendance or who attended" in page
    form = browser.get(f"/sessions/{therapy.id}/correct").text
    assert "<legend>Who attended</legend>" in form
    for partner in (couple.partner_a_id, couple.partner_b_id):
        assert f'name="attendee_ids" value="{partner}" checked' in form
    current = {"starts_at": therapy.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
               "modality": "in_person", "attendance": "held", "attendees": "shown"}
    nobody = browser.post(f"/sessions/{therapy.id}/correct", current)
    assert nobody.status_code == 422 and "Who attended: Tick who attended" in nobody.text
    done = browser.post(f"/sessions/{therapy.id}/correct", {**current, "attendee_ids": str(couple.partner_a_id)},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("notice=session-corrected#corrections-h")
    assert _fresh(db, therapy.id).attendee_ids == [couple.partner_a_id]
    shown = browser.get(done.headers["location"]).text
    assert "<dt>Attended</dt><dd>Jamie Lee</dd>" in shown
    assert "Who attended corrected from Jamie Lee, Robin Lee to Jamie Lee by Dana Reyes" in shown
    (event,) = _events(db, "correct")
    assert event.detail["from"] == {"attendee_ids": sorted([couple.partner_a_id, couple.partner_b_id])}
    assert event.detail["to"] == {"attendee_ids": [couple.partner_a_id]}
    # The same boxes again: nothing to correct.
    again = browser.post(f"/sessions/{therapy.id}/correct", {**current, "attendee_ids": str(couple.partner_a_id)},
                         follow_redirects=False)
    assert again.headers["location"].endswith("notice=session-unchanged")
    # Marking it cancelled from the same form leaves who was expected as it was.
    cancelled = browser.post(f"/sessions/{therapy.id}/correct", {**current, "attendance": "cancelled"},
                             follow_redirects=False)
    assert cancelled.status_code == 303 and _fresh(db, therapy.id).attendee_ids == [couple.partner_a_id]


def test_a_signed_or_missed_session_offers_no_attendee_boxes(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    signed = _signed(factory, db, couple, me)
    missed = factory.therapy_session(couple, attendance="no_show")
    browser = Browser(client, me)
    form = browser.get(f"/sessions/{signed.id}/correct").text
    assert 'name="attendee_ids"' not in form and "<strong>Who attended:</strong> Jamie Lee, Robin Lee" in form
    assert 'name="attendee_ids"' not in browser.get(f"/sessions/{missed.id}/correct").text
    # A correction form loaded before the note was signed can't change who attended.
    stale = browser.post(f"/sessions/{signed.id}/correct", {
        "starts_at": signed.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
        "modality": "in_person", "attendees": "shown", "attendee_ids": str(couple.partner_b_id)})
    assert stale.status_code == 409 and service.SIGNED_ATTENDEES.replace("'", "&#39;") in stale.text
    assert _fresh(db, signed.id).attendee_ids == [couple.partner_a_id, couple.partner_b_id]
