"""Links that need a look (locked, wrong passcodes, opened in a second browser) reach the
counselor's dashboard, the couple's page and the client's page, each within its own scope."""

from __future__ import annotations

import pytest

from app.db import utcnow
from app.practice.models import Practice
from app.questionnaires.models import Administration, LinkEvent
from tests.web.conftest import Browser
from tests.web.helpers import send_link

LOCKED = "Maya Lee's Trust Rebuilding Inventory link: locked after 5 wrong passcodes; send a new link to unlock"
TWO_BROWSERS = "Jonah Lee's Trust Rebuilding Inventory link: opened in 2 different browsers"


def _opened(db, administration: Administration, *browsers: str) -> None:
    for browser in browsers:
        db.add(LinkEvent(practice_id=administration.practice_id, administration_id=administration.id,
                         kind="opened", browser=browser))
    db.commit()


@pytest.fixture
def alerts(factory, db):  # type: ignore[no-untyped-def]
    owner = factory.owner()
    counselor = factory.counselor(db.get(Practice, owner.practice_id))
    couple = factory.couple(counselor, names=("Maya", "Jonah"))
    locked, _ = send_link(db, counselor, couple)
    locked.passcode_failures, locked.locked_at = 5, utcnow()
    db.add(locked)
    shared, _ = send_link(db, counselor, couple, client_id=couple.partner_b_id)
    _opened(db, shared, "a" * 64, "b" * 64)
    # Jonah's second link is to another questionnaire: nobody holds two open links to one.
    quiet, _ = send_link(db, counselor, couple, client_id=couple.partner_b_id, instrument_id="couples-intake")
    _opened(db, quiet, "c" * 64, "c" * 64)  # the same browser twice: nothing to say
    return {"owner": owner, "counselor": counselor, "couple": couple, "locked": locked, "shared": shared,
            "quiet": quiet}


def _section(html: str) -> str:
    from html import unescape

    start = html.index('id="linkalerts-h"')
    return unescape(html[start:html.index("</section>", start)])


def test_dashboard_couple_and_client_pages_show_link_alerts_with_a_resend(client, alerts):
    browser = Browser(client, alerts["counselor"])
    couple, locked, shared = alerts["couple"], alerts["locked"], alerts["shared"]
    for url in ("/dashboard", f"/couples/{couple.id}"):
        section = _section(browser.get(url).text)
        assert LOCKED in section and TWO_BROWSERS in section, url
        assert f'action="/administrations/{locked.id}/resend"' in section
        assert f'action="/administrations/{shared.id}/resend"' in section
        assert f"/administrations/{alerts['quiet'].id}" not in section
    maya = _section(browser.get(f"/clients/{couple.partner_a_id}").text)
    assert LOCKED in maya and TWO_BROWSERS not in maya
    jonah = _section(browser.get(f"/clients/{couple.partner_b_id}").text)
    assert TWO_BROWSERS in jonah and LOCKED not in jonah


def test_link_alerts_stay_in_the_caseload_and_leave_with_the_submission(client, factory, db, alerts):
    colleague = factory.counselor(db.get(Practice, alerts["counselor"].practice_id))
    html = Browser(client, colleague).get("/dashboard").text
    assert "Maya Lee" not in html and "No locked links" in html and "Jonah" not in html
    owner = _section(Browser(client, alerts["owner"]).get("/dashboard").text)
    assert LOCKED in owner  # the owner sees the practice
    for row in (alerts["locked"], alerts["shared"]):
        row.status, row.submitted_at = "submitted", utcnow()
        db.add(row)
    db.commit()
    html = Browser(client, alerts["counselor"]).get("/dashboard").text
    assert "No locked links, wrong passcodes or links opened in a second browser." in html
    assert 'id="linkalerts-h"' not in Browser(client, alerts["counselor"]).get(f"/couples/{alerts['couple'].id}").text


def test_the_answers_page_of_a_locked_link_says_so(client, alerts):
    html = Browser(client, alerts["counselor"]).get(f"/administrations/{alerts['locked'].id}").text
    assert "Locked after 5 wrong passcodes; send a new link to unlock it" in html
    shared = Browser(client, alerts["counselor"]).get(f"/administrations/{alerts['shared'].id}").text
    assert "2 different browsers" in shared
