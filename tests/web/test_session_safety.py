"""The session pages warn about an open high-severity flag: recording a session, planning one and
the session's page show each partner's open high flags (this couple's context and their
individual work) with how long each has been open and a link to review it. A warning, never a block."""

from __future__ import annotations

import html as markup
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from app.questionnaires.administrations import service as administrations
from app.questionnaires.models import AdministrationFlag
from app.questionnaires.schemas import AdministrationCreate
from app.sessions.models import TherapySession
from app.web.lookups import days_open, open_for
from tests.web.conftest import Browser
from tests.web.helpers import TRUST

AFRAID = ("Jamie said they are afraid of their partner: assess safety with this client alone "
          "before any joint session")
INDIVIDUAL = "Robin reported thoughts of self-harm in individual work"


def _flag(db, me, *, client_id: int, couple_id: int | None, message: str, severity: str = "high",
          days_ago: int = 0, resolved: bool = False) -> AdministrationFlag:
    administration, _ = administrations.create_administration(db, actor=me, data=AdministrationCreate(
        client_id=client_id, couple_id=couple_id, instrument_id=TRUST, mode="in_session"))
    now = datetime.now(UTC)
    flag = AdministrationFlag(practice_id=me.practice_id, administration_id=administration.id, client_id=client_id,
                              couple_id=couple_id, item_id="safety", severity=severity, message=message,
                              raised_at=now - timedelta(days=days_ago, hours=1),
                              resolved_at=now if resolved else None, resolved_by_id=me.id if resolved else None,
                              resolution_note="Seen alone" if resolved else None)
    db.add(flag)
    db.commit()
    return flag


def _box(page: str) -> str:
    start = page.index('aria-labelledby="safety-h"')
    return page[start:page.index("</section>", start)]


def _world(factory, db):  # type: ignore[no-untyped-def]
    me = factory.counselor()
    couple = factory.couple(me)  # Jamie (A) and Robin (B)
    other = factory.couple(me, names=("Ana", "Ben"))
    afraid = _flag(db, me, client_id=couple.partner_a_id, couple_id=couple.id, message=AFRAID, days_ago=12)
    alone = _flag(db, me, client_id=couple.partner_b_id, couple_id=None, message=INDIVIDUAL)
    # Not warned about: a medium flag, a flag dealt with, another couple's partner.
    _flag(db, me, client_id=couple.partner_a_id, couple_id=couple.id, message="Mild worry", severity="medium")
    _flag(db, me, client_id=couple.partner_b_id, couple_id=couple.id, message="Dealt with already", resolved=True)
    _flag(db, me, client_id=other.partner_a_id, couple_id=other.id, message="Another couple's flag")
    return me, couple, afraid, alone


def test_the_record_plan_and_session_pages_warn_about_open_high_flags(client, factory, db):
    me, couple, afraid, alone = _world(factory, db)
    browser = Browser(client, me)
    therapy = factory.therapy_session(couple)
    pages = {f"/couples/{couple.id}/sessions/new": f'action="/couples/{couple.id}/sessions/new"',
             f"/couples/{couple.id}/sessions/plan": f'action="/couples/{couple.id}/sessions/plan"',
             f"/sessions/{therapy.id}": 'id="note-form"'}
    for path, form in pages.items():
        page = browser.get(path).text
        assert page.index('id="safety-h"') < page.index(form), path  # near the top, before the form
        box = _box(page)
        assert "2 open high-severity flags" in box and "joint session" in box
        assert "Jamie Lee" in box and markup.escape(AFRAID) in box and "Open for 12 days" in box
        assert "Robin Lee" in box and INDIVIDUAL in box and "Raised today" in box
        assert "in this couple&#39;s work" in box and "in individual work" in box
        for flag in (afraid, alone):
            assert f'href="/flags/{flag.id}/resolve?back={quote(path)}"' in box, path
        assert box.index("Jamie Lee") < box.index("Robin Lee")  # partner A first
        for hidden in ("Mild worry", "Dealt with already", "Another couple"):
            assert hidden not in page, (path, hidden)
    # The link opens the flag's review page, which comes back here.
    review = browser.get(f"/flags/{afraid.id}/resolve?back={quote(f'/sessions/{therapy.id}', safe='')}")
    assert review.status_code == 200 and markup.escape(AFRAID) in review.text


def test_the_warning_does_not_block_recording(client, factory, db):
    me, couple, _, _ = _world(factory, db)
    browser = Browser(client, me)
    recorded = browser.post(f"/couples/{couple.id}/sessions/new", {
        "starts_at": (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "50",
        "modality": "in_person", "attendee_ids": [str(couple.partner_a_id), str(couple.partner_b_id)]},
        follow_redirects=False)
    assert recorded.status_code == 303
    shown = browser.get(recorded.headers["location"]).text
    assert "Session recorded." in shown and AFRAID.split(":")[0] in _box(shown)
    # A refused form shows the warning again too.
    refused = browser.post(f"/couples/{couple.id}/sessions/new", {"starts_at": "", "duration_minutes": "50",
                                                                  "modality": "in_person"})
    assert refused.status_code == 422 and 'id="safety-h"' in refused.text


def test_no_box_without_an_open_high_flag(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    _flag(db, me, client_id=couple.partner_a_id, couple_id=couple.id, message="Mild worry", severity="medium")
    therapy = factory.therapy_session(couple)
    browser = Browser(client, me)
    for path in (f"/couples/{couple.id}/sessions/new", f"/couples/{couple.id}/sessions/plan",
                 f"/sessions/{therapy.id}"):
        assert 'id="safety-h"' not in browser.get(path).text, path


def test_a_clients_own_session_warns_about_their_individual_flags(client, factory, db):
    me = factory.counselor()
    alone = factory.client(me, first="Sam", last="Okafor")
    flag = _flag(db, me, client_id=alone.id, couple_id=None, message="Sam is not safe at home", days_ago=1)
    therapy = TherapySession(practice_id=me.practice_id, counselor_id=me.id, client_id=alone.id,
                             starts_at=datetime.now(UTC) - timedelta(days=1), attendee_ids=[alone.id])
    db.add(therapy)
    db.commit()
    box = _box(Browser(client, me).get(f"/sessions/{therapy.id}").text)
    assert "an open high-severity flag" in box and "Sam is not safe at home" in box and "Open for 1 day " in box
    assert "before the session" in box and "joint" not in box and f"/flags/{flag.id}/resolve" in box


def test_open_for_words_the_days():
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert [days_open(now - timedelta(hours=h), now) for h in (1, 23, 24, 24 * 12 + 5)] == [0, 0, 1, 12]
    assert [open_for(d) for d in (0, 1, 2)] == ["raised today", "open for 1 day", "open for 2 days"]
    assert re.fullmatch(r"\d+", str(days_open(now.replace(tzinfo=None), now)))  # a naive stored time is UTC
